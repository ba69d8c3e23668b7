/**
 * Temporal's own worker metrics on the worker's `/metrics`: the Runtime's Prometheus exporter,
 * served behind the one scrape target beside Breakwater's `ai_*` series.
 */
import { execFile } from 'node:child_process';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, eventually, startFakeProvider } from '../support/harness';

/** The value of the one sample of `text` that `pattern` matches (a regex source of name and labels). */
function sampleValue(text: string, pattern: string): number | undefined {
  const match = new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The metric names that `# HELP` or `# TYPE` lines of `text` name more than once. */
function repeatedFamilies(text: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const [, kind, name] of text.matchAll(/^# (HELP|TYPE) (\S+)/gm)) {
    const key = `${kind} ${name}`;
    if (seen.has(key)) repeated.push(key);
    seen.add(key);
  }
  return repeated;
}

let fakeProvider: FakeProvider;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});

afterAll(async () => {
  await fakeProvider?.stop();
});

describe('Temporal metrics on /metrics', () => {
  it('serves temporal_* and ai_* series in one scrape during a live run, and the renamed cost metric beside its alias', async () => {
    const harness = await createHarness(
      fakeProvider,
      'temporal-metrics',
      { HTTP_PORT: '0' },
      { workerOptions: () => ({ registry: new Registry() }) },
    );
    const metricsUrl = `${harness.worker.httpUrl!}/metrics`;
    await harness.run(async () => {
      const first = await harness.client.execute(chat('count my cost'), {
        idempotencyKey: `${harness.name}-first`,
        operation: 'metrics-test',
      });
      expect(first.ledger.state).toBe('DONE');

      harness.fake.inject({ fault: { kind: 'latency', latencyMs: 2000 }, times: 1 });
      const second = harness.client.execute(chat('take your time'), {
        idempotencyKey: `${harness.name}-second`,
        operation: 'metrics-test',
      });
      await eventually(() => (harness.fake.stats.received >= 2 ? true : undefined));

      const response = await fetch(metricsUrl);
      expect(response.status).toBe(200);
      const text = await response.text();
      require('node:fs').writeFileSync('/tmp/metrics-scratch/scrape.txt', text);
      expect(text).toMatch(/^temporal_\w+/m);
      expect(text).toMatch(/^ai_llm_calls_total\{provider="fake",outcome="success"\} 1$/m);
      expect(repeatedFamilies(text)).toEqual([]);

      expect((await second).ledger.state).toBe('DONE');
    });
  });
});
