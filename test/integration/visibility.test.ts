/** Operators find tasks by ledger state with the real `temporal` CLI. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, eventually, startFakeProvider } from '../support/harness';
import { temporalWorkflow } from '../support/temporal-cli';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});

async function listWorkflowIds(query: string): Promise<string[]> {
  const stdout = await temporalWorkflow('list', '--query', query, '--output', 'json');
  const parsed = JSON.parse(stdout.trim() === '' ? '[]' : stdout) as Array<{
    execution: { workflowId: string };
  }>;
  return parsed.map((workflow) => workflow.execution.workflowId).sort();
}

describe('search attributes', () => {
  it('mirrors the ledger state (DONE as the completed workflow), agent, priority, provider and operation for `temporal workflow list`', async () => {
    const h = await createHarness(fakeProvider, 'visibility');
    const operation = h.name;
    h.fake.inject({ contentIncludes: 'doomed', fault: { kind: 'status', status: 400 } });
    await h.run(async () => {
      await h.client.execute(chat('fine'), {
        idempotencyKey: `${h.name}-ok`,
        operation,
        agent: 'scout',
        priority: 'high',
      });
      await h.client
        .execute(chat('doomed'), {
          idempotencyKey: `${h.name}-bad`,
          operation,
          agent: 'scout',
          priority: 'low',
        })
        .catch(() => undefined);
    });
    // A task does not mirror DONE (one history event less): its workflow completed.
    const done = await eventually(async () => {
      const ids = await listWorkflowIds(`ExecutionStatus='Completed' AND Operation='${operation}'`);
      return ids.length === 1 ? ids : undefined;
    });
    expect(done).toEqual([`bw-task-${h.name}-ok`]);
    const failed = await eventually(async () => {
      const ids = await listWorkflowIds(`LedgerState='FAILED' AND Operation='${operation}'`);
      return ids.length === 1 ? ids : undefined;
    });
    expect(failed).toEqual([`bw-task-${h.name}-bad`]);
    expect(
      await listWorkflowIds(
        `LedgerState='RUNNING' AND ExecutionStatus='Running' AND Operation='${operation}'`,
      ),
    ).toEqual([]);
    expect(
      await listWorkflowIds(
        `Agent='scout' AND Priority='high' AND Provider='fake' AND Operation='${operation}'`,
      ),
    ).toEqual([`bw-task-${h.name}-ok`]);
  });
});
