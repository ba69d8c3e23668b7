/**
 * The README's agents example runs as written: its code block is type-checked and run (with the
 * project's `tsx`, `breakwater` resolving to this checkout) against a worker on the stack whose
 * `openai` provider is the fake provider.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { PROJECT_ROOT } from '../../src/testing/toolchain';
import { run, TSX } from '../support/cli';
import { createHarness, FAST_POLICY_ENV, startFakeProvider, uniqueName } from '../support/harness';
import { readmeExample } from '../support/readme';

let fakeProvider: FakeProvider;
let dir: string;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  dir = mkdtempSync(join(tmpdir(), 'bw-readme-'));
});
afterAll(async () => {
  await fakeProvider.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('README', () => {
  it('agents example type-checks and runs as written', { timeout: 120_000 }, async () => {
    const file = join(dir, 'agents.ts');
    writeFileSync(file, readmeExample('agents'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(PROJECT_ROOT, 'tsconfig.json'),
        compilerOptions: { typeRoots: [join(PROJECT_ROOT, 'node_modules', '@types')] },
        files: [file],
        include: [],
      }),
    );
    const typeCheck = await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir], {});
    expect(typeCheck.code, typeCheck.stdout + typeCheck.stderr).toBe(0);

    const openai = fakeProvider.scenario(uniqueName('readme-openai')).configure({
      script: [
        { toolResults: 0, callTools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
        { toolResults: 1, text: 'It is sunny in Paris, 21 °C.' },
      ],
    });
    const providers = {
      LLM_PROVIDERS: 'openai',
      LLM_OPENAI_BASE_URL: openai.openAiBaseUrl,
      OPENAI_API_KEY: 'sk-readme-example-key-00000000',
    };
    const h = await createHarness(fakeProvider, 'readme', providers);
    const stack = inject('stack');
    const result = await h.run(() =>
      run(TSX, ['--tsconfig', join(PROJECT_ROOT, 'tsconfig.json'), file], {
        ...FAST_POLICY_ENV,
        ...providers,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        TEMPORAL_NAMESPACE: stack.namespace,
        TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue,
        REDIS_URL: stack.redisUrl,
        REDIS_KEY_PREFIX: h.config.redis.keyPrefix,
      }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('answer: It is sunny in Paris, 21 °C.');
    expect(result.stdout).toMatch(/rating: \{ stars: -?\d+ \}/);
    expect(result.stdout).toMatch(/Acknowledged [0-9a-f]{12}\.\n\(\d+ tokens\)/);
    expect(openai.stats.received).toBe(4);
  });
});
