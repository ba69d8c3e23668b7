/**
 * Breakwater's guard as an AI SDK language-model middleware: every `doGenerate` and `doStream` of
 * the wrapped model, inside a Temporal activity, is admitted, made, settled and classified by a
 * `ModelAttempt`. Calls switch to the fallback models, in order, while a provider's breaker (or
 * its rate limit) refuses.
 */
import type { LanguageModelV3, LanguageModelV3Middleware, ProviderV3 } from '@ai-sdk/provider';
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
        const result = await admitted.model.doGenerate({ ...admitted.params, abortSignal: attempt.signal() });
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
        const result = await admitted.model.doStream({ ...admitted.params, abortSignal: attempt.signal() });
        return { ...result, stream: settlingStream(result.stream, attempt) };
      } catch (error) {
        attempt.end();
        throw await attempt.failed(error);
      }
    },
  };
}
