/** Anthropic Messages API, streamed or not: the request translated (`anthropic-request.ts`), the answer read back. */
import type { LlmRequest } from '../llm/request';
import type { LlmResponse } from '../llm/response';
import { toMessagesBody } from './anthropic-request';
import { fromMessagesResponse } from './anthropic-response';
import { MessagesStream } from './anthropic-stream';
import { acceptAnswer } from './classify';
import { postJson } from './http';
import { readStream } from './sse';
import type { ProviderAdapter, ProviderCallOptions } from './types';

export class AnthropicAdapter implements ProviderAdapter {
  readonly system = 'anthropic';

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
    const url = `${this.baseUrl}/v1/messages`;
    const call = { provider: this.name, model: request.model };
    if (!request.stream) {
      const answer = await postJson(url, headers, body, options);
      return acceptAnswer(fromMessagesResponse(answer, call, options.context), options.context);
    }
    const stream = new MessagesStream(options.context);
    await readStream(url, headers, body, options, stream);
    return acceptAnswer(stream.response(call), options.context);
  }
}
