/** OpenAI-compatible Chat Completions (OpenAI, vLLM, Ollama, LiteLLM, …), streamed or not. */
import type { LlmRequest } from '../llm/request';
import type { LlmResponse } from '../llm/response';
import { acceptAnswer } from './classify';
import { estimatedUsage } from './estimated-usage';
import { postJson } from './http';
import { toChatCompletionsBody } from './openai-request';
import { fromChatCompletion } from './openai-response';
import { ChatCompletionStream } from './openai-stream';
import { readStream } from './sse';
import type { ProviderAdapter, ProviderCallOptions } from './types';

export class OpenAiCompatibleAdapter implements ProviderAdapter {
  readonly system = 'openai';

  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async chat(request: LlmRequest, options: ProviderCallOptions): Promise<LlmResponse> {
    const body = toChatCompletionsBody(request, options.context);
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const url = `${this.baseUrl}/chat/completions`;
    const call = { provider: this.name, model: request.model };
    if (!request.stream) {
      const answer = await postJson(url, headers, body, options);
      return acceptAnswer(fromChatCompletion(answer, call, options.context), options.context);
    }
    const stream = new ChatCompletionStream(options.context);
    await readStream(url, headers, body, options, stream);
    const response = stream.response(call, (answer) => estimatedUsage(request, answer));
    return acceptAnswer(response, options.context);
  }
}
