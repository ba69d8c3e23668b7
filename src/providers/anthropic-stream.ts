/**
 * Reading a streamed Anthropic Messages answer (`message_start`, `content_block_*`,
 * `message_delta`, `message_stop`) into the deltas an application sees live and the same
 * `LlmResponse` a non-streamed call gives. The stream is complete only with `message_stop`; an
 * `error` event mid-stream is classified like the status it stands for.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import type { ErrorContext } from '../errors';
import type { LlmResponse } from '../llm/response';
import type { StreamDelta } from '../llm/stream';
import { fromMessagesResponse } from './anthropic-response';
import { classifyHttpStatus, malformedBody } from './classify';
import { eventObject } from './sse';
import { isObject } from './wire-values';

/** The HTTP status an `error` event's type stands for (the API documents them as the same errors). */
const ERROR_STATUS: Readonly<Record<string, number>> = {
  overloaded_error: 529,
  api_error: 500,
  rate_limit_error: 429,
  request_too_large: 413,
  invalid_request_error: 400,
};

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; json: string };

export class MessagesStream {
  private message: Record<string, unknown> | undefined;
  private readonly blocks: Block[] = [];
  private stopReason: unknown;
  private outputTokens: unknown;
  private done = false;

  constructor(private readonly context: Partial<ErrorContext>) {}

  /** Reads one event; returns the deltas it carried. */
  read(event: EventSourceMessage): StreamDelta[] {
    const data = eventObject(event, this.context);
    switch (data.type) {
      case 'message_start':
        if (!isObject(data.message)) throw malformedBody(this.context, 'message_start without a message');
        this.message = data.message;
        return [];
      case 'content_block_start':
        return this.startBlock(data);
      case 'content_block_delta':
        return this.readBlockDelta(data);
      case 'message_delta':
        if (isObject(data.delta)) this.stopReason = data.delta.stop_reason;
        if (isObject(data.usage)) this.outputTokens = data.usage.output_tokens;
        return [];
      case 'message_stop':
        this.done = true;
        return [];
      case 'error':
        throw this.streamedError(data);
      default:
        return [];
    }
  }

  /** Whether the provider's final event arrived. */
  get complete(): boolean {
    return this.done;
  }

  /** The assembled answer, read as a non-streamed body would be. */
  response(call: { provider: string; model: string }): LlmResponse {
    const usage = isObject(this.message?.usage) ? this.message.usage : {};
    return fromMessagesResponse(
      {
        ...this.message,
        content: this.blocks.flatMap((block): unknown[] =>
          block.type === 'text'
            ? [block]
            : [{ type: 'tool_use', id: block.id, name: block.name, input: this.toolInput(block) }],
        ),
        stop_reason: this.stopReason,
        usage: { ...usage, output_tokens: this.outputTokens },
      },
      call,
      this.context,
    );
  }

  private startBlock(data: Record<string, unknown>): StreamDelta[] {
    const block = data.content_block;
    const index = this.indexOf(data);
    if (!isObject(block)) throw malformedBody(this.context, 'content_block_start without a block');
    if (block.type === 'tool_use') {
      if (typeof block.id !== 'string' || typeof block.name !== 'string') {
        throw malformedBody(this.context, 'a tool_use block without id or name');
      }
      this.blocks[index] = { type: 'tool_use', id: block.id, name: block.name, json: '' };
      return [{ type: 'tool_call', index, id: block.id, name: block.name, arguments: '' }];
    }
    if (block.type === 'text') this.blocks[index] = { type: 'text', text: '' };
    return [];
  }

  private readBlockDelta(data: Record<string, unknown>): StreamDelta[] {
    const index = this.indexOf(data);
    const block = this.blocks[index];
    const delta = isObject(data.delta) ? data.delta : {};
    if (block?.type === 'text' && delta.type === 'text_delta' && typeof delta.text === 'string') {
      block.text += delta.text;
      return [{ type: 'text', text: delta.text }];
    }
    if (block?.type === 'tool_use' && delta.type === 'input_json_delta') {
      const fragment = typeof delta.partial_json === 'string' ? delta.partial_json : '';
      block.json += fragment;
      return [{ type: 'tool_call', index, arguments: fragment }];
    }
    return [];
  }

  private indexOf(data: Record<string, unknown>): number {
    const index = data.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      throw malformedBody(this.context, 'a content block event without index');
    }
    return index;
  }

  private toolInput(block: Extract<Block, { type: 'tool_use' }>): unknown {
    if (block.json === '') return {};
    try {
      return JSON.parse(block.json) as unknown;
    } catch {
      throw malformedBody(this.context, 'a streamed tool_use input is not JSON');
    }
  }

  private streamedError(data: Record<string, unknown>) {
    const error = isObject(data.error) ? data.error : {};
    const type = typeof error.type === 'string' ? error.type : 'api_error';
    const status = ERROR_STATUS[type] ?? 500;
    return classifyHttpStatus(status, new Headers(), JSON.stringify({ error: { type } }), this.context);
  }
}
