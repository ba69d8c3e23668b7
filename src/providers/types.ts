import type { ErrorContext } from '../errors';
import type { LlmRequest } from '../llm/request';
import type { LlmResponse } from '../llm/response';
import type { StreamDelta } from '../llm/stream';
import type { StreamTimeouts } from './stream-watchdog';

/** What every provider call receives from the activity. */
export interface ProviderCallOptions {
  /** The activity's cancellation signal: aborting it aborts the HTTP call. */
  signal: AbortSignal;
  /** Abort of this one call; a timeout is classified as retryable. */
  timeoutMs: number;
  context: Partial<ErrorContext>;
  /** For a streamed request: its clocks (default: the call timeout alone) and where each delta goes. */
  stream?: Partial<StreamTimeouts> & { onDelta?(delta: StreamDelta): void };
}

/**
 * One LLM provider behind a uniform call. Adapters make exactly one HTTP request per call (no
 * retries of their own: Temporal retries) and throw only Breakwater errors, classified per the
 * table in DESIGN.md, or the cancellation reason when the activity was cancelled.
 */
export interface ProviderAdapter {
  readonly name: string;
  /** The API it speaks, as OpenTelemetry's `gen_ai.system` names it. */
  readonly system: 'openai' | 'anthropic';
  chat(request: LlmRequest, options: ProviderCallOptions): Promise<LlmResponse>;
}
