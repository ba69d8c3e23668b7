/** `npm start` (src/worker/main.ts) as a child process on the shared stack, for tests that kill or stop it. */
import { inject } from 'vitest';
import { freePort } from '../../src/free-port';
import type { FakeScenario } from '../../src/testing/fake-provider';
import { FAKE_MODEL_PRICES } from '../../src/testing/stack-config';
import { start, TSX, type Started } from './cli';
import { eventually, FAST_POLICY_ENV } from './harness';

/** `tsx src/worker/main.ts` with exactly `env` (plus PATH and HOME), in its own process group. */
export function startMain(env: Record<string, string>): Started {
  return start(TSX, ['src/worker/main.ts'], env);
}

/**
 * The environment of a worker on the shared stack: task queue `name`, key prefix `t:<name>`, the
 * provider `fake` on `fake`, `/health` on a free port; `env` adds or overrides variables.
 */
export async function mainEnv(
  name: string,
  fake: FakeScenario,
  env: Record<string, string> = {},
): Promise<{ env: Record<string, string>; port: number }> {
  const stack = inject('stack');
  const port = await freePort();
  return {
    port,
    env: {
      ...FAST_POLICY_ENV,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      TEMPORAL_TASK_QUEUE: name,
      REDIS_URL: stack.redisUrl,
      REDIS_KEY_PREFIX: `t:${name}`,
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      LLM_PROVIDERS: 'fake',
      LLM_FAKE_BASE_URL: fake.openAiBaseUrl,
      MODEL_PRICES: FAKE_MODEL_PRICES,
      ...env,
    },
  };
}

/** Waits until the worker answers `/health` with 200; fails at once when it exited. */
export async function untilHealthy(main: Started, port: number, timeoutMs = 20_000): Promise<void> {
  await eventually(async () => {
    if (main.child.exitCode !== null) throw new Error(`worker exited: ${main.output().stderr}`);
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return response.status === 200 ? true : undefined;
  }, timeoutMs);
}
