/**
 * An application that installed Temporal's Runtime itself before Breakwater (its own logger, its own
 * Prometheus exporter): Breakwater keeps it, says so once, keeps its own logs on its logger, and
 * still serves the Runtime's `temporal_*` series behind the worker's `/metrics`.
 */
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/free-port';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, logCapture, startFakeProvider } from '../support/harness';

let fakeProvider: FakeProvider;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});

afterAll(async () => {
  await fakeProvider?.stop();
});

describe('a Runtime the application installed', () => {
  it('is kept with a warning, while Breakwater logs to its own logger and serves the temporal_* series', async () => {
    const applicationLog: LogEntry[] = [];
    const applicationMetrics = `127.0.0.1:${await freePort()}`;
    Runtime.install({
      logger: new DefaultLogger('INFO', (entry) => applicationLog.push(entry)),
      telemetryOptions: { metrics: { prometheus: { bindAddress: applicationMetrics } } },
    });
    const capture = logCapture('info');
    const harness = await createHarness(
      fakeProvider,
      'application-runtime',
      { HTTP_PORT: '0' },
      { workerOptions: () => ({ registry: new Registry(), logger: capture.logger }) },
    );

    const warnings = capture.lines
      .map((line) => JSON.parse(line) as { level: string; msg: string })
      .filter((entry) => entry.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toBe(
      `Temporal Runtime installed by the application before Breakwater: SDK and core logs go to the application's logger and temporal_* metrics come from its Prometheus exporter (${applicationMetrics}), served behind /metrics; Breakwater's own logs stay on Breakwater's logger`,
    );

    await harness.run(async () => {
      const result = await harness.client.execute(chat('whose runtime'), { idempotencyKey: harness.name });
      expect(result.ledger.state).toBe('DONE');
      const text = await (await fetch(`${harness.worker.httpUrl!}/metrics`)).text();
      expect(text).toMatch(new RegExp(`^temporal_num_pollers\\{[^}]*task_queue="${harness.name}"`, 'm'));
      expect(text).toMatch(/^ai_llm_calls_total\{provider="fake",outcome="success"\} 1$/m);
    });

    const transitions = capture.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === 'ledger transition');
    expect(transitions).toContainEqual(
      expect.objectContaining({ to: 'DONE', workflowId: expect.any(String) }),
    );
    // The SDK's own logs are the application's; Breakwater's ledger log is not among them.
    expect(applicationLog.some((entry) => entry.meta?.sdkComponent === 'worker')).toBe(true);
    expect(applicationLog.map((entry) => entry.message)).not.toContain('ledger transition');
  });
});
