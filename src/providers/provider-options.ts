/** `providerOptions`: fields passed untouched into a provider's body, except the ones Breakwater sets. */
import { NonRetryableInputError, type ErrorContext } from '../errors';
import type { ProviderOptions } from '../llm/request';

/**
 * `body` with the request's `providerOptions[kind]` merged in. A key in `reserved` (a field the
 * adapter sets from the request, or whose meaning Breakwater owns) is refused, naming it, before
 * any call.
 */
export function withProviderOptions(
  body: Record<string, unknown>,
  options: ProviderOptions | undefined,
  kind: keyof ProviderOptions,
  reserved: ReadonlySet<string>,
  context: Partial<ErrorContext>,
): Record<string, unknown> {
  const extra = options?.[kind];
  if (extra === undefined) return body;
  const root = `request.providerOptions.${kind}`;
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
    throw new NonRetryableInputError(`${root}: must be an object`, root, context);
  }
  const taken = Object.keys(extra).find((key) => reserved.has(key));
  if (taken !== undefined) {
    const field = `${root}.${taken}`;
    throw new NonRetryableInputError(
      `${field}: Breakwater sets this field itself (from the request, or not at all)`,
      field,
      context,
    );
  }
  return { ...body, ...extra };
}
