/**
 * The activity side of Temporal's AI SDK integration with Breakwater's guard: a provider whose
 * language models are guarded, and the `AiSdkPlugin` that serves them to workflows.
 */
import type { ProviderV3 } from '@ai-sdk/provider';
import { AiSdkPlugin } from '@temporalio/ai-sdk';
import { wrapProvider } from 'ai';
import { breakwaterMiddleware, type AiSdkGuardOptions } from './guard-middleware';
import type { AiSdkGuardDeps } from './types';

/** The providers a worker's guard knows, by which the options' names are checked. */
export interface AiSdkProviderDeps extends AiSdkGuardDeps {
  /** The configured Breakwater providers (`LLM_PROVIDERS`). */
  providerNames: readonly string[];
}

function checkProviders(options: AiSdkGuardOptions, providerNames: readonly string[]): void {
  const named = new Map([['aiSdk.provider', options.provider]]);
  options.fallbacks?.forEach((fallback, index) =>
    named.set(`aiSdk.fallbacks[${index}].provider`, fallback.provider),
  );
  for (const [field, name] of named) {
    if (!providerNames.includes(name)) {
      throw new RangeError(
        `${field}: '${name}' is not a configured provider (LLM_PROVIDERS: ${providerNames.join(', ')})`,
      );
    }
  }
}

/**
 * `options.models` with every language model guarded (embedding and image models pass through
 * unguarded). Throws a `RangeError` naming a provider that is not configured.
 */
export function guardedProvider(options: AiSdkGuardOptions, deps: AiSdkProviderDeps): ProviderV3 {
  checkProviders(options, deps.providerNames);
  return wrapProvider({
    provider: options.models,
    languageModelMiddleware: breakwaterMiddleware(options, deps),
  });
}

/**
 * Temporal's `AiSdkPlugin` serving guarded models: workflows that call `generateText` with
 * `temporalProvider` models get Breakwater's breaker, budgets, rate limits and error
 * classification without a change. `createWorker(config, { aiSdk })` adds it for you.
 */
export function breakwaterAiSdkPlugin(options: AiSdkGuardOptions, deps: AiSdkProviderDeps): AiSdkPlugin {
  return new AiSdkPlugin({ modelProvider: guardedProvider(options, deps) });
}
