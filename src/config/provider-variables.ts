/**
 * The variables of each provider named in `LLM_PROVIDERS`: `LLM_<NAME>_<SUFFIX>`, one row a suffix.
 * Their defaults depend on the provider's name or fall back to the `RATE_LIMIT_*` variables.
 */
import { z } from 'zod';
import { commaList, integer, oneOf, text, url } from './schemas';
import { PROVIDER_KINDS, type ProviderKind } from './types';
import { derived, type VariableTable } from './variable-table';

/** What a provider name may be: lowercase letters, digits, - and _ (it names Redis keys and metric labels). */
export const PROVIDER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** `LLM_PROVIDERS`: provider names, comma-separated. */
export const providerNames = commaList(
  z
    .string()
    .regex(
      PROVIDER_NAME,
      'must be a provider name: a lowercase letter, then lowercase letters, digits, - or _',
    ),
  'provider',
  'comma-separated names: a lowercase letter, then lowercase letters, digits, `-`, `_` (at most 32)',
);

/** The defaults of a provider known by name. */
interface BuiltInProvider {
  kind: ProviderKind;
  baseUrl: string;
  /** The variable its key is read from when `LLM_<NAME>_API_KEY` is unset. */
  keyVariable: 'OPENAI_API_KEY' | 'ANTHROPIC_API_KEY';
}

export const BUILT_IN_PROVIDERS: ReadonlyMap<string, BuiltInProvider> = new Map([
  ['openai', { kind: 'openai', baseUrl: 'https://api.openai.com/v1', keyVariable: 'OPENAI_API_KEY' }],
  [
    'anthropic',
    { kind: 'anthropic', baseUrl: 'https://api.anthropic.com', keyVariable: 'ANTHROPIC_API_KEY' },
  ],
]);

/** The kind of a provider that is not built in. */
export const DEFAULT_PROVIDER_KIND: ProviderKind = 'openai';

const byBuiltIn = (words: (provider: BuiltInProvider) => string) =>
  [...BUILT_IN_PROVIDERS].map(([name, provider]) => `${words(provider)} for \`${name}\``).join(', ');

/** The prefix of a provider's variables: `LLM_MY_PROXY_` for `my-proxy`. */
export function providerPrefix(name: string): string {
  return `LLM_${name.toUpperCase().replace(/-/g, '_')}_`;
}

/** The per-provider table: `LLM_<NAME>_` + each key. */
export const PROVIDER_VARIABLES = {
  KIND: {
    default: derived(`${byBuiltIn((provider) => `\`${provider.kind}\``)}; else \`${DEFAULT_PROVIDER_KIND}\``),
    schema: oneOf(PROVIDER_KINDS),
    description: 'The API it speaks (`openai` also for OpenAI-compatible servers: vLLM, Ollama, LiteLLM)',
  },
  BASE_URL: {
    default: derived(`${byBuiltIn((provider) => `\`${provider.baseUrl}\``)}; else required`),
    schema: url(['http', 'https']),
    description: 'Base URL of its API',
    secret: true,
  },
  API_KEY: {
    default: derived(`${byBuiltIn((provider) => `\`${provider.keyVariable}\``)}; else (none)`),
    schema: text,
    description: 'Its API key',
    secret: true,
  },
  PRICING: {
    default: derived('its kind'),
    schema: text,
    description: "The price list's provider id its models are priced under (`@pydantic/genai-prices`)",
  },
  API_VERSION: {
    default: '2023-06-01',
    schema: text,
    description: "Anthropic's `anthropic-version` header (`anthropic` kind only)",
  },
  RPM: {
    default: derived('`RATE_LIMIT_RPM`'),
    schema: integer(0),
    description: 'Its requests per minute, never more in any 60 s; 0 = none',
  },
  BURST: {
    default: derived('`RATE_LIMIT_BURST`'),
    schema: integer(1),
    description: 'Its requests at once, within its RPM',
  },
  TPM: {
    default: derived('`RATE_LIMIT_TPM`'),
    schema: integer(0),
    description: 'Its tokens per minute, a token bucket; 0 = none',
  },
  TOKEN_BURST: {
    default: derived('`RATE_LIMIT_TOKEN_BURST`'),
    schema: integer(1),
    description: 'Its tokens at once above the steady rate',
  },
} satisfies VariableTable;
