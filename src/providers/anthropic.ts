/** Anthropic Messages API. */
import { contentText } from '../llm/content';
import { maxOutputTokens, type LlmRequest } from '../llm/request';
import type { LlmResponse } from '../llm/response';
import { malformedBody } from './classify';
import { normalizeFinishReason } from './finish-reasons';
import { postJson } from './http';
import type { ProviderAdapter, ProviderCallOptions } from './types';

interface MessagesResponse {
  model?: unknown;
  content?: Array<{ type?: unknown; text?: unknown }>;
  stop_reason?: unknown;
  usage?: { input_tokens?: unknown; output_tokens?: unknown };
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

export class AnthropicAdapter implements ProviderAdapter {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly apiVersion = '2023-06-01',
  ) {}

  async chat(request: LlmRequest, options: ProviderCallOptions): Promise<LlmResponse> {
    const headers: Record<string, string> = { 'anthropic-version': this.apiVersion };
    if (this.apiKey) headers['x-api-key'] = this.apiKey;
    const system = request.messages
      .filter((message) => message.role === 'system')
      .map((message) => contentText(message.content))
      .join('\n\n');
    const body: Record<string, unknown> = {
      model: request.model,
      max_tokens: maxOutputTokens(request),
      messages: request.messages
        .filter((message) => message.role !== 'system')
        .map((message) => ({ role: message.role, content: message.content })),
    };
    if (system) body.system = system;
    if (request.temperature !== undefined) body.temperature = request.temperature;
    const parsed = (await postJson(
      `${this.baseUrl}/v1/messages`,
      headers,
      body,
      options,
    )) as MessagesResponse;
    const blocks = Array.isArray(parsed?.content) ? parsed.content : undefined;
    const usage = parsed?.usage;
    if (!blocks) throw malformedBody(options.context, 'no content');
    if (!usage || !isCount(usage.input_tokens) || !isCount(usage.output_tokens)) {
      throw malformedBody(options.context, 'no usage');
    }
    const text = blocks
      .filter((block) => block.type === 'text' && typeof block.text === 'string')
      .map((block) => block.text as string)
      .join('');
    const response: LlmResponse = {
      text,
      toolCalls: [],
      finishReason: normalizeFinishReason('anthropic', parsed.stop_reason),
      usage: {
        promptTokens: usage.input_tokens,
        completionTokens: usage.output_tokens,
        totalTokens: usage.input_tokens + usage.output_tokens,
      },
      provider: this.name,
      model: typeof parsed.model === 'string' ? parsed.model : request.model,
    };
    if (typeof parsed.stop_reason === 'string') response.rawFinishReason = parsed.stop_reason;
    return response;
  }
}
