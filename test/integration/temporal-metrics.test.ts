/**
 * Temporal's own worker metrics on the worker's `/metrics`: the Runtime's Prometheus exporter,
 * served behind the one scrape target beside Breakwater's `ai_*` series.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { expositionError, sampleValue } from '../support/exposition';
import { chat, createHarness, eventually, logCapture, startFakeProvider } from '../support/harness';
import { TEMPORAL_SDK_SERIES } from '../support/monitoring';

let fakeProvider: FakeProvider;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});

afterAll(async () => {
  await fakeProvider?.stop();
});

describe('Temporal metrics on /metrics', () => {
  it('serves temporal_* and ai_* series in one scrape during a live run, and the renamed cost metric beside its alias', async () => {
    const capture = logCapture('info');
    const harness = await createHarness(
      fakeProvider,
      'temporal-metrics',
      { HTTP_PORT: '0' },
      { workerOptions: () => ({ registry: new Registry(), logger: capture.logger }) },
    );
    const metricsUrl = `${harness.worker.httpUrl!}/metrics`;
    const operation = 'metrics-test';
    await harness.run(async () => {
      const first = await harness.client.execute(chat('count my cost'), {
        idempotencyKey: `${harness.name}-first`,
        operation,
      });
      expect(first.ledger.state).toBe('DONE');

      harness.fake.inject({ fault: { kind: 'latency', latencyMs: 2000 }, times: 1 });
      const second = harness.client.execute(chat('take your time'), {
        idempotencyKey: `${harness.name}-second`,
        operation,
      });
      await eventually(() => (harness.fake.stats.received >= 2 ? true : undefined));

      // One scrape, while the second task's call is in flight.
      const response = await fetch(metricsUrl);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(await expositionError(text)).toBeUndefined();
      const queue = `task_queue="${harness.name}"`;
      for (const series of TEMPORAL_SDK_SERIES) {
        expect(text, series).toMatch(new RegExp(`^${series}\\{[^}]*${queue}[^}]*\\} \\S+$`, 'm'));
      }
      expect(text).toMatch(/^ai_llm_calls_total\{provider="fake",outcome="success"\} 1$/m);
      expect(text).toMatch(/^ai_guard_admissions_total\{[^}]*\} 2$/m);

      const usd = sampleValue(text, `ai_token_cost_usd_total{operation="${operation}"}`);
      const milliUsd = sampleValue(text, `ai_token_cost_usd_milliseconds{operation="${operation}"}`);
      expect(usd).toBeGreaterThan(0);
      expect(milliUsd).toBeCloseTo(usd! * 1000, 9);
      expect(text).toContain('# TYPE ai_token_cost_usd_total counter');
      expect(text).toMatch(/^# HELP ai_token_cost_usd_milliseconds DEPRECATED: use ai_token_cost_usd_total/m);

      expect((await second).ledger.state).toBe('DONE');
    });

    // Breakwater installed the Runtime: no warning, and the workflows' ledger log is Breakwater's.
    expect(capture.lines.join('')).not.toContain('installed by the application');
    const transitions = capture.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === 'ledger transition');
    expect(transitions).toContainEqual(
      expect.objectContaining({ to: 'DONE', workflowType: 'llmTask', taskQueue: harness.name }),
    );
  });
});
