/**
 * A streamed answer as it arrives, and what an application reading a task's stream receives.
 * Imported by workflow code: types only.
 */
import type { LlmResponse } from './response';

/** One piece of a streamed answer. */
export type StreamDelta =
  | { type: 'text'; text: string }
  /** A piece of tool call `index`: its id and name come with the first piece, its arguments in fragments. */
  | { type: 'tool_call'; index: number; id?: string; name?: string; arguments: string };

/**
 * What `BreakwaterClient.stream` yields, in order: for each attempt that streams, an `attempt` event
 * (drop what an earlier attempt sent: it was cut and is retried) and its deltas; last, the task's
 * durable response, the same as a non-streamed call's.
 */
export type TaskStreamEvent =
  | { type: 'attempt'; attempt: number }
  | { type: 'delta'; attempt: number; delta: StreamDelta }
  | { type: 'response'; response: LlmResponse };
