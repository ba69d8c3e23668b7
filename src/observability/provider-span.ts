/**
 * The span of one provider call, named and described by OpenTelemetry's GenAI semantic
 * conventions (`chat {model}`, `gen_ai.*`): the model, the token counts and the finish reason,
 * never the prompt or the answer. A failure sets `error.type` and an error status whose message is
 * redacted.
 */
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { isBreakwaterError } from '../errors';
import type { LlmResponse } from '../llm/response';
import { redactText } from './redaction';

/** The GenAI attributes set on the provider span (the conventions are still incubating upstream). */
export const GEN_AI_ATTRIBUTES = {
  operation: 'gen_ai.operation.name',
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  errorType: 'error.type',
} as const;

const G = GEN_AI_ATTRIBUTES;

export interface ProviderSpanCall {
  /** The API spoken (`gen_ai.system`): `openai`, `anthropic`. */
  system: string;
  /** The model asked for. */
  model: string;
}

/** Runs `call` inside a `chat {model}` client span, child of the active span. */
export function traceProviderCall(
  tracer: Tracer,
  { system, model }: ProviderSpanCall,
  call: () => Promise<LlmResponse>,
): Promise<LlmResponse> {
  const attributes = { [G.operation]: 'chat', [G.system]: system, [G.requestModel]: model };
  return tracer.startActiveSpan(`chat ${model}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const response = await call();
      span.setAttributes({
        [G.responseModel]: response.model,
        [G.inputTokens]: response.usage.promptTokens,
        [G.outputTokens]: response.usage.completionTokens,
        [G.finishReasons]: [response.finishReason],
      });
      return response;
    } catch (error) {
      const type = isBreakwaterError(error) ? error.type : error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      span.setAttribute(G.errorType, type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: redactText(message) });
      throw error;
    } finally {
      span.end();
    }
  });
}
