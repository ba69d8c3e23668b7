/** The providers a submit may name, when the client's configuration knows them (`LLM_PROVIDERS`). */
import { NonRetryableInputError } from '../errors';
import type { FallbackProvider } from '../task';

function checkProvider(name: string, providers: readonly string[], field: string): void {
  if (providers.includes(name)) return;
  throw new NonRetryableInputError(
    `${field}: '${name}' is not a configured provider (LLM_PROVIDERS: ${providers.join(', ')})`,
    field,
  );
}

/**
 * Refuses a request provider or a fallback provider that is not one of `providers`, naming the field
 * (`request.provider`, `options.fallbacks[0].provider`).
 */
export function checkKnownProviders(
  task: { request: { provider: string }; fallbacks?: readonly FallbackProvider[] },
  providers: readonly string[],
): void {
  checkProvider(task.request.provider, providers, 'request.provider');
  for (const [index, fallback] of (task.fallbacks ?? []).entries()) {
    checkProvider(fallback.provider, providers, `options.fallbacks[${index}].provider`);
  }
}
