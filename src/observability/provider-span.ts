/**
 * The span of one provider call, named and described by OpenTelemetry's GenAI semantic
 * conventions (`chat {model}`, `gen_ai.*`): the model, the token counts and the finish reason,
 * never the prompt or the answer. A failure sets `error.type` and an error status whose message is
 * redacted.
 */
import { SpanKind, SpanStatusCode, type Attributes, type Tracer } from '@opentelemetry/api';
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

/** What the provider span reports of an answer: counts and reasons, never its content. */
export interface ProviderSpanOutcome {
  responseModel?: string;
  inputTokens?: number;
  outputTokens?: number;
  finishReason: string;
}

/** The outcome of an answer of Breakwater's provider adapters (its normalized finish reason). */
export function llmResponseOutcome(response: LlmResponse): ProviderSpanOutcome {
  return {
    responseModel: response.model,
    inputTokens: response.usage.promptTokens,
    outputTokens: response.usage.completionTokens,
    finishReason: response.finishReason,
  };
}

/** Runs `call` inside a `chat {model}` client span, child of the active span; `outcomeOf` describes its answer. */
export function traceProviderCall<Result>(
  tracer: Tracer,
  { system, model }: ProviderSpanCall,
  call: () => Promise<Result>,
  outcomeOf: (result: Result) => ProviderSpanOutcome,
): Promise<Result> {
  const attributes = { [G.operation]: 'chat', [G.system]: system, [G.requestModel]: model };
  return tracer.startActiveSpan(`chat ${model}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const result = await call();
      const outcome = outcomeOf(result);
      const reported: Attributes = {
        [G.responseModel]: outcome.responseModel,
        [G.inputTokens]: outcome.inputTokens,
        [G.outputTokens]: outcome.outputTokens,
        [G.finishReasons]: [outcome.finishReason],
      };
      span.setAttributes(
        Object.fromEntries(Object.entries(reported).filter(([, value]) => value !== undefined)),
      );
      return result;
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
