/**
 * What the fake provider answers to a call, dialect-neutral: a scripted tool call or text, JSON
 * that conforms to the requested schema, a refusal or a content-filter stop (from a fault), or by
 * default a digest of the last user message; with its usage. Pure and deterministic.
 */
import { createHash } from 'node:crypto';
import type { Fault } from './fake-faults';
import { sampleOf } from './fake-json-schema';
import { scriptedStep, type ScenarioSettings, type ScriptedToolCall } from './fake-script';
import type { FakeCall } from './fake-wire';

export interface FakeAnswer {
  /** Null when the answer only calls tools, refuses or was filtered. */
  text: string | null;
  /** Each with an id unique in the conversation (the dialect adds its prefix). */
  toolCalls: Array<ScriptedToolCall & { id: string }>;
  finish: 'stop' | 'tool_calls' | 'content_filter' | 'refusal';
  refusal?: string;
  usage: {
    /** Every prompt token, cached ones included. */
    prompt: number;
    completion: number;
    /** Set when the scenario reports cached tokens. */
    cacheRead?: number;
    cacheWrite?: number;
  };
}

/** The tokens of every answer (fewer when the request's bound is lower). */
export const COMPLETION_TOKENS = 12;

/** What the fake says when it refuses. */
export const REFUSAL_TEXT = 'I can’t help with that.';

/** The deterministic reply to a conversation: a digest of its last user message. */
export function fakeReply(lastUserMessage: string): string {
  const digest = createHash('sha256').update(lastUserMessage).digest('hex').slice(0, 12);
  return `Acknowledged ${digest}.`;
}

function usageOf(call: FakeCall, settings: ScenarioSettings): FakeAnswer['usage'] {
  const usage: FakeAnswer['usage'] = {
    prompt: call.promptTokens,
    completion: Math.min(COMPLETION_TOKENS, Math.max(1, call.maxTokens)),
  };
  const { cachedPromptTokens, cacheWritePromptTokens } = settings;
  if (cachedPromptTokens !== undefined) usage.cacheRead = Math.min(cachedPromptTokens, usage.prompt);
  if (cacheWritePromptTokens !== undefined) {
    usage.cacheWrite = Math.min(cacheWritePromptTokens, usage.prompt - (usage.cacheRead ?? 0));
  }
  return usage;
}

/** The default text: JSON when the request asks for JSON, else the digest reply. */
function defaultText(call: FakeCall): string {
  const reply = fakeReply(call.lastUserMessage);
  switch (call.responseFormat?.type) {
    case 'json_schema':
      return JSON.stringify(sampleOf(call.responseFormat.schema));
    case 'json_object':
      return JSON.stringify({ reply });
    default:
      return reply;
  }
}

/** The answer to `call` under `settings`; `fault` is the call's fault, if any. */
export function answerFor(call: FakeCall, settings: ScenarioSettings, fault?: Fault): FakeAnswer {
  const usage = usageOf(call, settings);
  if (fault?.kind === 'content_filter') return { text: null, toolCalls: [], finish: 'content_filter', usage };
  if (fault?.kind === 'refusal') {
    return { text: null, toolCalls: [], finish: 'refusal', refusal: REFUSAL_TEXT, usage };
  }
  const step = scriptedStep(settings.script ?? [], call);
  if (step?.callTools) {
    const toolCalls = step.callTools.map((tool, index) => ({
      ...tool,
      id: `fake_${call.toolResults}_${index}`,
    }));
    return { text: null, toolCalls, finish: 'tool_calls', usage };
  }
  return { text: step?.text ?? defaultText(call), toolCalls: [], finish: 'stop', usage };
}
