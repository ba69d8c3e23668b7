/** OpenAI-compatible Chat Completions (OpenAI, vLLM, Ollama, LiteLLM, …). */
import { maxOutputTokens, type LlmRequest } from '../llm/request';
import type { LlmResponse } from '../llm/response';
import { malformedBody } from './classify';
import { normalizeFinishReason } from './finish-reasons';
import { postJson } from './http';
import type { ProviderAdapter, ProviderCallOptions } from './types';

interface ChatCompletion {
  model?: unknown;
  choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown; total_tokens?: unknown };
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

export class OpenAiCompatibleAdapter implements ProviderAdapter {
  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  async chat(request: LlmRequest, options: ProviderCallOptions): Promise<LlmResponse> {
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const body: Record<string, unknown> = {
      model: request.model,
      messages: request.messages,
      max_tokens: maxOutputTokens(request),
      stream: false,
    };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    const parsed = (await postJson(
      `${this.baseUrl}/chat/completions`,
      headers,
      body,
      options,
    )) as ChatCompletion;
    const choice = Array.isArray(parsed?.choices) ? parsed.choices[0] : undefined;
    const text = choice?.message?.content;
    const usage = parsed?.usage;
    if (typeof text !== 'string') throw malformedBody(options.context, 'no choices[0].message.content');
    if (!usage || !isCount(usage.prompt_tokens) || !isCount(usage.completion_tokens)) {
      throw malformedBody(options.context, 'no usage');
    }
    const response: LlmResponse = {
      text,
      toolCalls: [],
      finishReason: normalizeFinishReason('openai', choice?.finish_reason),
      usage: {
        promptTokens: usage.prompt_tokens,
        completionTokens: usage.completion_tokens,
        totalTokens: isCount(usage.total_tokens)
          ? usage.total_tokens
          : usage.prompt_tokens + usage.completion_tokens,
      },
      provider: this.name,
      model: typeof parsed.model === 'string' ? parsed.model : request.model,
    };
    if (typeof choice?.finish_reason === 'string') response.rawFinishReason = choice.finish_reason;
    return response;
  }
}
