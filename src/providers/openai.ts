/** OpenAI-compatible Chat Completions (OpenAI, vLLM, Ollama, LiteLLM, …), non-streamed. */
import type { LlmRequest } from '../llm/request';
import type { LlmResponse } from '../llm/response';
import { acceptAnswer } from './classify';
import { postJson } from './http';
import { toChatCompletionsBody } from './openai-request';
import { fromChatCompletion } from './openai-response';
import type { ProviderAdapter, ProviderCallOptions } from './types';

export class OpenAiCompatibleAdapter implements ProviderAdapter {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async chat(request: LlmRequest, options: ProviderCallOptions): Promise<LlmResponse> {
    const body = toChatCompletionsBody(request, options.context);
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const answer = await postJson(`${this.baseUrl}/chat/completions`, headers, body, options);
    const response = fromChatCompletion(
      answer,
      { provider: this.name, model: request.model },
      options.context,
    );
    return acceptAnswer(response, options.context);
  }
}
