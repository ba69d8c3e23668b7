/** `guardedLlmCall` inside an application's own workflow, on a worker that runs that workflow. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stackConfig } from '../../src/testing/stack-config';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { TASK_FAILED_TYPE, type TaskFailureDetails } from '../../src/task';
import { createWorker } from '../../src/worker/create-worker';
import { FAST_POLICY_ENV, startFakeProvider, testLogger, uniqueName } from '../support/harness';
import type { draftWithTitle } from '../support/user-workflows';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});

describe('guardedLlmCall in your own workflow', () => {
  it('runs guarded calls with retries, and fails them with a BreakwaterTaskFailed failure', async () => {
    const stack = inject('stack');
    const name = uniqueName('helper');
    const fake = fakeProvider.scenario(name);
    const config = stackConfig(
      { temporalAddress: stack.temporalAddress, namespace: stack.namespace, redisUrl: stack.redisUrl, fake },
      { ...FAST_POLICY_ENV, TEMPORAL_TASK_QUEUE: name, REDIS_KEY_PREFIX: `t:${name}` },
    );
    const worker = await createWorker(config, {
      logger: testLogger,
      workflowsPath: join(__dirname, '..', 'support', 'user-workflows.ts'),
    });
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: stack.namespace });
    const meta = { idempotencyKey: name, operation: 'draft', agent: 'writer', priority: 'normal' as const };
    fake.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    try {
      const { done, failure } = await worker.runUntil(async () => {
        const result = await client.workflow.execute<typeof draftWithTitle>('draftWithTitle', {
          taskQueue: name,
          workflowId: `${name}-ok`,
          args: [{ meta, policy: config.policy, notes: 'the meeting moved to Tuesday' }],
        });
        fake.inject({ fault: { kind: 'status', status: 400 } });
        const failed = await client.workflow
          .execute<typeof draftWithTitle>('draftWithTitle', {
            taskQueue: name,
            workflowId: `${name}-bad`,
            args: [{ meta, policy: config.policy, notes: 'anything' }],
          })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        return { done: result, failure: failed };
      });
      expect(done.summary).toMatch(/^Acknowledged [0-9a-f]{12}\.$/);
      expect(done.title).toMatch(/^Acknowledged [0-9a-f]{12}\.$/);
      expect(done.attempts).toEqual([2, 1]);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(TASK_FAILED_TYPE);
      expect((cause as ApplicationFailure).details?.[0] as TaskFailureDetails).toMatchObject({
        reason: 'invalid_input',
        errorType: 'NonRetryableInputError',
      });
      expect(fake.stats.received).toBe(4);
    } finally {
      await connection.close();
    }
  });
});
