/** Anthropic Messages API, non-streamed: the request translated (`anthropic-request.ts`), the answer read back. */
import type { LlmRequest } from '../llm/request';
import type { LlmResponse } from '../llm/response';
import { toMessagesBody } from './anthropic-request';
import { fromMessagesResponse } from './anthropic-response';
import { acceptAnswer } from './classify';
import { postJson } from './http';
import type { ProviderAdapter, ProviderCallOptions } from './types';

export class AnthropicAdapter implements ProviderAdapter {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly apiVersion = '2023-06-01',
  ) {}

  async chat(request: LlmRequest, options: ProviderCallOptions): Promise<LlmResponse> {
    const body = toMessagesBody(request, options.context);
    const headers: Record<string, string> = { 'anthropic-version': this.apiVersion };
    if (this.apiKey) headers['x-api-key'] = this.apiKey;
    const answer = await postJson(`${this.baseUrl}/v1/messages`, headers, body, options);
    const response = fromMessagesResponse(
      answer,
      { provider: this.name, model: request.model },
      options.context,
    );
    return acceptAnswer(response, options.context);
  }
}
