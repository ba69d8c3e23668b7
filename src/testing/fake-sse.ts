/**
 * An answer written as each API's stream of server-sent events: OpenAI's `chat.completion.chunk`s
 * (with the usage chunk when `stream_options.include_usage` asks for it) ending with `[DONE]`, or
 * Anthropic's `message_start` … `message_stop`. Text goes out word by word, tool-call arguments in
 * fragments; the same `FakeAnswer` as a non-streamed body.
 */
import type { ServerResponse } from 'node:http';
import type { FakeAnswer } from './fake-answer';
import { ANTHROPIC_STOP, OPENAI_FINISH, openAiUsage, anthropicUsage, type AnswerIds } from './fake-bodies';
import type { Dialect, Fields } from './fake-wire';

export interface SseEvent {
  event?: string;
  data: string;
}

/** The pieces text streams in: words with their trailing space. */
function piecesOf(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function openAiEvents(model: string, answer: FakeAnswer, ids: AnswerIds, includeUsage: boolean): SseEvent[] {
  const chunk = (delta: Fields, finish: string | null = null, extra: Fields = {}): SseEvent => ({
    data: JSON.stringify({
      id: ids.openAi,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...extra,
    }),
  });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const piece of piecesOf(answer.text ?? '')) events.push(chunk({ content: piece }));
  for (const piece of piecesOf(answer.refusal ?? '')) events.push(chunk({ refusal: piece }));
  answer.toolCalls.forEach((call, index) => {
    const first = {
      index,
      id: `call_${call.id}`,
      type: 'function',
      function: { name: call.name, arguments: '' },
    };
    events.push(chunk({ tool_calls: [first] }));
    for (const piece of piecesOf(JSON.stringify(call.arguments))) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  events.push(chunk({}, OPENAI_FINISH[answer.finish]));
  if (includeUsage) {
    events.push({
      data: JSON.stringify({
        id: ids.openAi,
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [],
        usage: openAiUsage(answer),
      }),
    });
  }
  events.push({ data: '[DONE]' });
  return events;
}

function anthropicEvents(model: string, answer: FakeAnswer, ids: AnswerIds): SseEvent[] {
  const event = (type: string, fields: Fields): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, ...fields }),
  });
  const usage = anthropicUsage(answer);
  const events = [
    event('message_start', {
      message: {
        id: ids.anthropic,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
    event('ping', {}),
  ];
  let index = 0;
  if (answer.text !== null) {
    events.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const text of piecesOf(answer.text)) {
      events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text } }));
    }
    events.push(event('content_block_stop', { index }));
    index += 1;
  }
  for (const call of answer.toolCalls) {
    const block = { type: 'tool_use', id: `toolu_${call.id}`, name: call.name, input: {} };
    events.push(event('content_block_start', { index, content_block: block }));
    for (const partial_json of piecesOf(JSON.stringify(call.arguments))) {
      events.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }));
    }
    events.push(event('content_block_stop', { index }));
    index += 1;
  }
  events.push(
    event('message_delta', {
      delta: { stop_reason: ANTHROPIC_STOP[answer.finish], stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
    event('message_stop', {}),
  );
  return events;
}

/** `answer` as the events of `dialect`'s stream. */
export function sseEvents(
  dialect: Dialect,
  model: string,
  answer: FakeAnswer,
  ids: AnswerIds,
  includeUsage: boolean,
): SseEvent[] {
  return dialect === 'anthropic'
    ? anthropicEvents(model, answer, ids)
    : openAiEvents(model, answer, ids, includeUsage);
}

/**
 * Writes `events` to `res`, `chunkDelayMs` apart, calling `onFirstEvent` once the first has left;
 * with `cutAfter`, destroys the connection after that many events (a stream cut mid-way). Returns
 * whether every event went out.
 */
export async function writeSse(
  res: ServerResponse,
  events: readonly SseEvent[],
  options: { chunkDelayMs?: number; cutAfter?: number; onFirstEvent?: () => void },
): Promise<boolean> {
  const { chunkDelayMs = 0, cutAfter, onFirstEvent } = options;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  for (const [sent, item] of events.entries()) {
    if (sent === cutAfter) {
      res.socket?.destroy();
      return false;
    }
    if (res.destroyed) return false;
    if (chunkDelayMs > 0 && sent > 0) await new Promise((resolve) => setTimeout(resolve, chunkDelayMs));
    const text = `${item.event ? `event: ${item.event}\n` : ''}data: ${item.data}\n\n`;
    // Each event leaves before the next one (or a cut) is written.
    await new Promise<void>((resolve) => res.write(text, () => resolve()));
    if (sent === 0) onFirstEvent?.();
  }
  res.end();
  return true;
}
