/**
 * Reading a streamed Chat Completions answer (server-sent events, `stream_options.include_usage`)
 * into the deltas an application sees live and the same `LlmResponse` a non-streamed call gives.
 * The stream is complete only with its `[DONE]` event; a chunk the API does not promise is malformed.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { ErrorContext } from '../errors';
import type { LlmResponse, ResponseToolCall, Usage } from '../llm/response';
import type { StreamDelta } from '../llm/stream';
import { malformedBody } from './classify';
import { normalizeFinishReason } from './finish-reasons';
import { usageOf } from './openai-response';
import { eventObject } from './sse';
import { isCount, isNonEmptyString, isObject } from './wire-values';

interface PartialToolCall {
  id: string;
  name: string;
  arguments: string;
}

export class ChatCompletionStream {
  private text: string | undefined;
  private refusal: string | undefined;
  private readonly toolCalls: PartialToolCall[] = [];
  private rawFinish: string | undefined;
  private usage: Usage | undefined;
  private model: string | undefined;
  private done = false;

  constructor(private readonly context: Partial<ErrorContext>) {}

  /** Reads one event; returns the deltas it carried. */
  read(event: EventSourceMessage): StreamDelta[] {
    if (event.data === '[DONE]') {
      this.done = true;
      return [];
    }
    const chunk = eventObject(event, this.context);
    if (typeof chunk.model === 'string') this.model = chunk.model;
    if (
      isObject(chunk.usage) &&
      isCount(chunk.usage.prompt_tokens) &&
      isCount(chunk.usage.completion_tokens)
    ) {
      this.usage = usageOf(chunk.usage);
    }
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as unknown) : undefined;
    if (!isObject(choice)) return [];
    if (typeof choice.finish_reason === 'string') this.rawFinish = choice.finish_reason;
    return isObject(choice.delta) ? this.readDelta(choice.delta) : [];
  }

  /** Whether the provider's final event arrived. */
  get complete(): boolean {
    return this.done;
  }

  /**
   * The assembled answer; `estimate` gives its usage when the stream reported none (an
   * OpenAI-compatible server may not).
   */
  response(
    call: { provider: string; model: string },
    estimate: (answer: Pick<LlmResponse, 'text' | 'toolCalls'>) => Usage,
  ): LlmResponse {
    const toolCalls: ResponseToolCall[] = this.toolCalls.map((partial) => {
      const toolCall: ResponseToolCall = { ...partial };
      try {
        toolCall.input = JSON.parse(partial.arguments) as unknown;
      } catch {
        // Arguments that are not JSON stay raw, as in a non-streamed answer.
      }
      return toolCall;
    });
    const response: LlmResponse = {
      text: this.text ?? null,
      toolCalls,
      finishReason: this.refusal ? 'refusal' : normalizeFinishReason('openai', this.rawFinish),
      usage: this.usage ?? estimate({ text: this.text ?? null, toolCalls }),
      provider: call.provider,
      model: this.model ?? call.model,
    };
    if (this.rawFinish !== undefined) response.rawFinishReason = this.rawFinish;
    if (this.refusal) response.refusal = this.refusal;
    return response;
  }

  private readDelta(delta: Record<string, unknown>): StreamDelta[] {
    const deltas: StreamDelta[] = [];
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.text = (this.text ?? '') + delta.content;
      deltas.push({ type: 'text', text: delta.content });
    }
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      this.refusal = (this.refusal ?? '') + delta.refusal;
    }
    for (const piece of Array.isArray(delta.tool_calls) ? (delta.tool_calls as unknown[]) : []) {
      deltas.push(this.readToolCall(piece));
    }
    return deltas;
  }

  private readToolCall(piece: unknown): StreamDelta {
    if (!isObject(piece) || !isCount(piece.index)) {
      throw malformedBody(this.context, 'a streamed tool call without index');
    }
    const fn = isObject(piece.function) ? piece.function : {};
    const fragment = typeof fn.arguments === 'string' ? fn.arguments : '';
    let call = this.toolCalls[piece.index];
    if (call === undefined) {
      if (!isNonEmptyString(piece.id) || !isNonEmptyString(fn.name)) {
        throw malformedBody(this.context, 'a streamed tool call without id or name');
      }
      call = { id: piece.id, name: fn.name, arguments: '' };
      this.toolCalls[piece.index] = call;
    }
    call.arguments += fragment;
    const delta: StreamDelta = { type: 'tool_call', index: piece.index, arguments: fragment };
    if (isNonEmptyString(piece.id)) delta.id = piece.id;
    if (isNonEmptyString(fn.name)) delta.name = fn.name;
    return delta;
  }
}
