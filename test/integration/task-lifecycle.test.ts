/** One task end to end on the real dev server, real Redis and the fake provider over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { isNonRetryableInputError } from '../../src/errors';
import { getMetrics } from '../../src/observability/metrics';
import type { FakeProvider } from '../../src/testing/fake-provider';
import type { LedgerEntry } from '../../src/task';
import {
  chat,
  counterValue,
  createHarness,
  eventually,
  failureOf,
  startFakeProvider,
} from '../support/harness';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});

const transitions = (entries: readonly LedgerEntry[]) =>
  entries.map((entry) => `${entry.to}:${entry.reason}`);

describe('task lifecycle', () => {
  it('succeeds on the first attempt through the OpenAI-compatible adapter', async () => {
    const h = await createHarness(fakeProvider, 'success');
    const result = await h.run(() =>
      h.client.execute(chat('hello'), { idempotencyKey: h.name, operation: 'greet' }),
    );
    expect(result.response.text).toMatch(/^Acknowledged [0-9a-f]{12}\.$/);
    expect(result.response.usage.completionTokens).toBe(12);
    expect(result.attempts).toBe(1);
    expect(result.ledger.state).toBe('DONE');
    expect(transitions(result.ledger.entries)).toEqual([
      'QUEUED:submitted',
      'RUNNING:started',
      'DONE:completed',
    ]);
    expect(h.fake.stats.received).toBe(1);
  });

  it('succeeds through the Anthropic Messages adapter', async () => {
    const h = await createHarness(fakeProvider, 'anthropic');
    const result = await h.run(() =>
      h.client.execute(
        {
          provider: 'fake-anthropic',
          model: 'claude-fake',
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'hello' },
          ],
        },
        { idempotencyKey: h.name },
      ),
    );
    expect(result.response.provider).toBe('fake-anthropic');
    expect(result.response.finishReason).toBe('stop');
    expect(result.response.rawFinishReason).toBe('end_turn');
    expect(result.response.usage.totalTokens).toBe(result.response.usage.promptTokens + 12);
  });

  it('retries transient 5xx and records each retry in the ledger', async () => {
    const h = await createHarness(fakeProvider, 'retry');
    h.fake.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    h.fake.inject({ fault: { kind: 'status', status: 502 }, times: 1 });
    const result = await h.run(() => h.client.execute(chat('flaky'), { idempotencyKey: h.name }));
    expect(result.attempts).toBe(3);
    const retries = result.ledger.entries.filter((entry) => entry.to === 'RETRY');
    expect(retries.map((entry) => entry.attempt)).toEqual([1, 2]);
    for (const retry of retries) {
      expect(retry.errorType).toBe('RetryableExternalError');
      expect(retry.nextDelayMs).toBeGreaterThanOrEqual(50);
      expect(retry.nextDelayMs).toBeLessThanOrEqual(1000);
    }
    expect(transitions(result.ledger.entries)).toEqual([
      'QUEUED:submitted',
      'RUNNING:started',
      'RETRY:attempt_failed',
      'RUNNING:retry_started',
      'RETRY:attempt_failed',
      'RUNNING:retry_started',
      'DONE:completed',
    ]);
    expect(h.fake.stats.received).toBe(3);
  });

  it('honours the Retry-After of a 429', async () => {
    const h = await createHarness(fakeProvider, 'retry-after');
    h.fake.inject({ fault: { kind: 'status', status: 429, retryAfterSec: 3 }, times: 1 });
    const result = await h.run(() => h.client.execute(chat('busy'), { idempotencyKey: h.name }));
    const retry = result.ledger.entries.find((entry) => entry.to === 'RETRY');
    const resumed = result.ledger.entries.find((entry) => entry.reason === 'retry_started');
    expect(retry?.errorType).toBe('RateLimitedError');
    expect(retry?.nextDelayMs).toBe(3000);
    // Backoff alone would wait at most 1 s here (RETRY_MAXIMUM_INTERVAL_MS).
    expect(Date.parse(resumed!.at) - Date.parse(retry!.at)).toBeGreaterThanOrEqual(2900);
    expect(h.fake.stats.received).toBe(2);
  });

  it('aborts a call at the call timeout and retries it', async () => {
    const h = await createHarness(fakeProvider, 'call-timeout', { LLM_CALL_TIMEOUT_MS: '500' });
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 3000 }, times: 1 });
    const result = await h.run(() => h.client.execute(chat('slow'), { idempotencyKey: h.name }));
    expect(result.attempts).toBe(2);
    expect(result.ledger.entries.find((entry) => entry.to === 'RETRY')?.errorType).toBe(
      'RetryableExternalError',
    );
    await eventually(() => (h.fake.stats.aborted === 1 ? true : undefined));
  });

  it('never retries a provider input error: exactly one call', async () => {
    const h = await createHarness(fakeProvider, 'input-error');
    h.fake.inject({ fault: { kind: 'status', status: 400, code: 'context_length_exceeded' } });
    const error = await h.run(() =>
      failureOf(h.client.execute(chat('too long'), { idempotencyKey: h.name })),
    );
    expect(error.reason).toBe('invalid_input');
    expect(error.errorType).toBe('NonRetryableInputError');
    expect(error.ledger?.state).toBe('FAILED');
    expect(error.ledger?.entries.some((entry) => entry.to === 'RETRY')).toBe(false);
    expect(h.fake.stats.received).toBe(1);
  });

  it('ends FAILED with retries_exhausted after the last attempt, through the routing function', async () => {
    const h = await createHarness(fakeProvider, 'exhausted', { RETRY_MAXIMUM_ATTEMPTS: '3' });
    h.fake.inject({ fault: { kind: 'status', status: 503 } });
    const routed = () => counterValue(getMetrics().tasksRouted, { reason: 'retries_exhausted' });
    const routedBefore = await routed();
    const { error, status } = await h.run(async () => {
      const failed = await failureOf(h.client.execute(chat('down'), { idempotencyKey: h.name }));
      const description = await h.temporal.workflow.getHandle(`bw-task-${h.name}`).describe();
      return { error: failed, status: description.status.name };
    });
    expect(status).toBe('FAILED');
    expect(error.reason).toBe('retries_exhausted');
    expect(error.ledger?.attempts).toBe(3);
    expect(error.ledger?.entries.filter((entry) => entry.to === 'RETRY')).toHaveLength(2);
    expect(error.ledger?.entries.at(-1)).toMatchObject({
      to: 'FAILED',
      reason: 'retries_exhausted',
      attempt: 3,
    });
    expect(h.fake.stats.received).toBe(3);
    expect(await routed()).toBe(routedBefore + 1);
  });

  it('ends FAILED with deadline_exceeded and aborts the hanging call', async () => {
    const h = await createHarness(fakeProvider, 'deadline', {
      LLM_CALL_TIMEOUT_MS: '30000',
      ACTIVITY_START_TO_CLOSE_MS: '40000',
    });
    h.fake.inject({ fault: { kind: 'hang' } });
    const error = await h.run(async () => {
      const failed = await failureOf(
        h.client.execute(chat('hang'), { idempotencyKey: h.name, deadline: 2000 }),
      );
      await eventually(() => (h.fake.stats.aborted === 1 ? true : undefined));
      return failed;
    });
    expect(error.reason).toBe('deadline_exceeded');
    expect(error.ledger?.entries.at(-1)).toMatchObject({ to: 'FAILED', reason: 'deadline_exceeded' });
    expect(h.fake.stats.received).toBe(1);
  });

  it('cancellation aborts the in-flight HTTP call', async () => {
    const h = await createHarness(fakeProvider, 'cancel', {
      LLM_CALL_TIMEOUT_MS: '30000',
      ACTIVITY_START_TO_CLOSE_MS: '40000',
    });
    h.fake.inject({ fault: { kind: 'hang' } });
    const { error, ledger } = await h.run(async () => {
      await h.client.submit(chat('hang'), { idempotencyKey: h.name });
      await eventually(() => (h.fake.stats.received === 1 ? true : undefined));
      await h.client.cancel(h.name);
      const failed = await failureOf(h.client.result(h.name));
      await eventually(() => (h.fake.stats.aborted === 1 ? true : undefined));
      return { error: failed, ledger: await h.client.getLedger(h.name) };
    });
    expect(error.reason).toBe('cancelled');
    expect(ledger.state).toBe('FAILED');
    expect(ledger.entries.at(-1)?.reason).toBe('cancelled');
  });

  it('a duplicate submit returns the same task and never runs it twice', async () => {
    const h = await createHarness(fakeProvider, 'duplicate');
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 500 }, times: 1 });
    const { handles, again, results } = await h.run(async () => {
      const concurrent = await Promise.all(
        Array.from({ length: 5 }, () => h.client.submit(chat('once'), { idempotencyKey: h.name })),
      );
      const first = await h.client.result(h.name);
      const resubmitted = await h.client.submit(chat('once'), { idempotencyKey: h.name });
      const second = await h.client.execute(chat('once'), { idempotencyKey: h.name });
      return { handles: concurrent, again: resubmitted, results: [first, second] };
    });
    expect(new Set(handles.map((handle) => handle.runId)).size).toBe(1);
    expect(again.runId).toBe(handles[0]!.runId);
    expect(results[1]).toEqual(results[0]);
    expect(h.fake.stats.received).toBe(1);
  });

  it('refuses bad input before anything starts, naming the field', async () => {
    const h = await createHarness(fakeProvider, 'bad-input');
    const cases: Array<[unknown, Record<string, unknown>, string]> = [
      [{ ...chat('x'), messages: [] }, {}, 'request.messages'],
      [{ ...chat('x'), messages: [{ role: 'robot', content: 'x' }] }, {}, 'request.messages[0].role'],
      [{ ...chat('x'), max_tokens: -1 }, {}, 'request.max_tokens'],
      [chat('x'), { idempotencyKey: 'has spaces' }, 'options.idempotencyKey'],
      [chat('x'), { deadline: -5 }, 'options.deadline'],
      [chat('x'), { policy: { retry: { maximumAttempts: 0 } } }, 'options.policy.retry.maximumAttempts'],
    ];
    await h.run(async () => {
      for (const [request, options, field] of cases) {
        const error = await h.client
          .submit(request as never, { idempotencyKey: h.name, ...options } as never)
          .then(
            () => undefined,
            (reason: unknown) => reason,
          );
        expect(isNonRetryableInputError(error), `${field}: ${String(error)}`).toBe(true);
        expect((error as { field?: string }).field).toBe(field);
        expect((error as Error).message).toContain(field);
      }
      await expect(h.temporal.workflow.getHandle(`bw-task-${h.name}`).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
    });
    expect(h.fake.stats.received).toBe(0);
  });

  it('an unknown provider fails the task as invalid input without a call', async () => {
    const h = await createHarness(fakeProvider, 'unknown-provider');
    const error = await h.run(() =>
      failureOf(h.client.execute(chat('x', 'nobody'), { idempotencyKey: h.name })),
    );
    expect(error.reason).toBe('invalid_input');
    expect(h.fake.stats.received).toBe(0);
  });
});
