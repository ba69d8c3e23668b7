/**
 * An answer written as each API's non-streamed success body (`fake-sse.ts` writes the same
 * `FakeAnswer` as a stream), and the pieces both share: finish reasons, usage, ids.
 */
import type { FakeAnswer } from './fake-answer';
import type { Dialect, Fields } from './fake-wire';

export const OPENAI_FINISH: Readonly<Record<FakeAnswer['finish'], string>> = {
  stop: 'stop',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  // A refusal finishes normally; `message.refusal` says it.
  refusal: 'stop',
};

export const ANTHROPIC_STOP: Readonly<Record<FakeAnswer['finish'], string>> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
  refusal: 'refusal',
};

/** The ids of an answer, in each API's form. */
export interface AnswerIds {
  openAi: string;
  anthropic: string;
}

/** Ids that tell answers apart by their usage, as a real provider's differ per answer. */
export function answerIds(answer: FakeAnswer): AnswerIds {
  const { prompt, completion } = answer.usage;
  return { openAi: `chatcmpl-fake-${prompt}-${completion}`, anthropic: `msg_fake_${prompt}_${completion}` };
}

/** The usage of `answer` in Chat Completions' shape. */
export function openAiUsage(answer: FakeAnswer): Fields {
  const { prompt, completion, cacheRead } = answer.usage;
  const usage: Fields = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (cacheRead !== undefined) usage.prompt_tokens_details = { cached_tokens: cacheRead };
  return usage;
}

/** The usage of `answer` in Messages' shape: input tokens apart from the cache's. */
export function anthropicUsage(answer: FakeAnswer): { input_tokens: number; output_tokens: number } & Fields {
  const { prompt, completion, cacheRead, cacheWrite } = answer.usage;
  const usage: { input_tokens: number; output_tokens: number } & Fields = {
    input_tokens: prompt - (cacheRead ?? 0) - (cacheWrite ?? 0),
    output_tokens: completion,
  };
  if (cacheRead !== undefined || cacheWrite !== undefined) {
    usage.cache_read_input_tokens = cacheRead ?? 0;
    usage.cache_creation_input_tokens = cacheWrite ?? 0;
  }
  return usage;
}

function openAiBody(model: string, answer: FakeAnswer): unknown {
  const message: Fields = { role: 'assistant', content: answer.text, refusal: answer.refusal ?? null };
  if (answer.toolCalls.length > 0) {
    message.tool_calls = answer.toolCalls.map((call) => ({
      id: `call_${call.id}`,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    }));
  }
  return {
    id: answerIds(answer).openAi,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: OPENAI_FINISH[answer.finish] }],
    usage: openAiUsage(answer),
  };
}

function anthropicBody(model: string, answer: FakeAnswer): unknown {
  const content: Fields[] = answer.text === null ? [] : [{ type: 'text', text: answer.text }];
  for (const call of answer.toolCalls) {
    content.push({ type: 'tool_use', id: `toolu_${call.id}`, name: call.name, input: call.arguments });
  }
  return {
    id: answerIds(answer).anthropic,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: ANTHROPIC_STOP[answer.finish],
    stop_sequence: null,
    usage: anthropicUsage(answer),
  };
}

/** `answer` as a non-streamed success body of `dialect`. */
export function successBody(dialect: Dialect, model: string, answer: FakeAnswer): unknown {
  return dialect === 'anthropic' ? anthropicBody(model, answer) : openAiBody(model, answer);
}
