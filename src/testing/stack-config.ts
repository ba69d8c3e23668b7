import { loadConfig, type BreakwaterConfig } from '../config';
import type { FakeScenario } from '../testing/fake-provider';
import type { Stack } from './stack';

/** Provider names the embedded stack configures against its fake provider. */
export const FAKE_OPENAI = 'fake';
export const FAKE_ANTHROPIC = 'fake-anthropic';

/** Prices of the fake provider's models (any model name), USD per million tokens. */
export const FAKE_MODEL_PRICES = JSON.stringify({
  [`${FAKE_OPENAI}/*`]: { input: 0.5, output: 1.5 },
  [`${FAKE_ANTHROPIC}/*`]: { input: 0.8, output: 4 },
});

/** Where a worker or client on the embedded stack connects. */
export interface StackEndpoints {
  temporalAddress: string;
  namespace: string;
  redisUrl: string;
  /** The fake provider scenario served as providers `fake` (OpenAI API) and `fake-anthropic`. */
  fake?: FakeScenario;
}

export function endpointsOf(stack: Stack, scenario = 'default'): StackEndpoints {
  return {
    temporalAddress: stack.temporal.address,
    namespace: stack.temporal.namespace,
    redisUrl: stack.redis.url,
    fake: stack.fakeProvider?.scenario(scenario),
  };
}

/** Configuration against `endpoints`; `env` adds or overrides variables. */
export function stackConfig(endpoints: StackEndpoints, env: Record<string, string> = {}): BreakwaterConfig {
  const fake = endpoints.fake;
  return loadConfig({
    TEMPORAL_ADDRESS: endpoints.temporalAddress,
    TEMPORAL_NAMESPACE: endpoints.namespace,
    REDIS_URL: endpoints.redisUrl,
    LLM_PROVIDERS: fake ? `${FAKE_OPENAI},${FAKE_ANTHROPIC}` : 'openai',
    ...(fake
      ? {
          LLM_FAKE_BASE_URL: fake.openAiBaseUrl,
          LLM_FAKE_API_KEY: 'sk-fake-local-key-000000000000',
          LLM_FAKE_ANTHROPIC_KIND: 'anthropic',
          LLM_FAKE_ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
          LLM_FAKE_ANTHROPIC_API_KEY: 'sk-ant-fake-local-key-0000000000',
          MODEL_PRICES: FAKE_MODEL_PRICES,
        }
      : {}),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    ...env,
  });
}
