/**
 * Breakwater's guard as an AI SDK language-model middleware: every `doGenerate` and `doStream` of
 * the wrapped model, inside a Temporal activity, is admitted, made, settled and classified by a
 * `ModelAttempt` (a `doGenerate` inside a `chat {model}` span too). Calls switch to the fallback models, in order, while a provider's breaker (or
 * its rate limit) refuses.
 */
import type {
  LanguageModelV3,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
  ProviderV3,
} from '@ai-sdk/provider';
import { traceProviderCall, type ProviderSpanOutcome } from '../observability/provider-span';
import { NO_TRACER } from '../observability/tracing';
import { ModelAttempt } from './model-attempt';
import type { AiSdkGuardDeps, ModelCandidate } from './types';
import { settlingStream } from './settling-stream';

/** AI SDK models of one Breakwater provider. */
export interface AiSdkModels {
  /** The Breakwater provider (one of `LLM_PROVIDERS`): its breaker, rate limit and prices. */
  provider: string;
  /** The AI SDK provider that makes its calls, e.g. `createOpenAI({ apiKey })`. */
  models: ProviderV3;
}

/** A provider to switch to while the breaker of the one before refuses. */
export interface AiSdkFallback extends AiSdkModels {
  /** The model to ask of it (default: the model the workflow asked for). */
  model?: string;
}

/** Which models the guard stands in front of. */
export interface AiSdkGuardOptions extends AiSdkModels {
  /** Tried in order while the breaker of the provider before refuses. */
  fallbacks?: AiSdkFallback[];
  /** The operation of calls that name none in `providerOptions.breakwater` (default: the workflow type). */
  operation?: string;
}

/** What the provider span reports of a generated answer: the AI SDK's unified finish reason. */
function generateOutcome(result: LanguageModelV3GenerateResult): ProviderSpanOutcome {
  return {
    responseModel: result.response?.modelId,
    inputTokens: result.usage.inputTokens.total,
    outputTokens: result.usage.outputTokens.total,
    finishReason: result.finishReason.unified,
  };
}

/** `gen_ai.system` of an AI SDK model: its provider id's first part (`openai.chat` → `openai`). */
const genAiSystemOf = (model: LanguageModelV3): string => model.provider.split('.')[0] ?? model.provider;

/** The middleware that guards the models of `options.provider`; wrap them with `wrapLanguageModel`. */
export function breakwaterMiddleware(
  options: AiSdkGuardOptions,
  deps: AiSdkGuardDeps,
): LanguageModelV3Middleware {
  const candidatesFor = (model: LanguageModelV3): ModelCandidate[] => [
    { provider: options.provider, model },
    ...(options.fallbacks ?? []).map((fallback) => ({
      provider: fallback.provider,
      model: fallback.models.languageModel(fallback.model ?? model.modelId),
    })),
  ];
  const attemptFor = (model: LanguageModelV3) =>
    new ModelAttempt(deps, { candidates: candidatesFor(model), operation: options.operation });

  return {
    specificationVersion: 'v3',
    async wrapGenerate({ params, model }) {
      const attempt = attemptFor(model);
      try {
        const admitted = await attempt.admit(params);
        const { model: chosen } = admitted;
        const result = await traceProviderCall(
          deps.tracer ?? NO_TRACER,
          { system: genAiSystemOf(chosen), model: chosen.modelId },
          async () => chosen.doGenerate({ ...admitted.params, abortSignal: attempt.signal() }),
          generateOutcome,
        );
        if (result.finishReason.unified === 'content-filter')
          throw attempt.contentFiltered(result.finishReason.raw);
        await attempt.succeeded(
          result.usage,
          result.content.filter((part) => part.type === 'tool-call').length,
        );
        return result;
      } catch (error) {
        throw await attempt.failed(error);
      } finally {
        attempt.end();
      }
    },
    async wrapStream({ params, model }) {
      const attempt = attemptFor(model);
      try {
        const admitted = await attempt.admit(params);
        const result = await admitted.model.doStream({
          ...admitted.params,
          abortSignal: attempt.signal(true),
        });
        return { ...result, stream: settlingStream(result.stream, attempt) };
      } catch (error) {
        attempt.end();
        throw await attempt.failed(error);
      }
    },
  };
}
