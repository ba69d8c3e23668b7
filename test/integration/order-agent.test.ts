/**
 * A multi-step agent on Breakwater's guarded call (`workflows/examples/order-agent.ts`): the model
 * calls a tool, the workflow runs it as an activity, and the model answers with its result. Every
 * model call is guarded: the ledger, the run's and the turn's budgets and the breaker show it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderActivities } from '../../activities/examples/order-lookup';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import { FAKE_ANTHROPIC, FAKE_OPENAI } from '../../src/testing/stack-config';
import type { FakeProvider } from '../../src/testing/fake-provider';
import type { OrderAgentInput, OrderAgentResult } from '../../workflows/examples/order-agent';
import { connectStackRedis, createHarness, startFakeProvider, type Harness } from '../support/harness';
import { workflowBundleOf } from '../support/workflow-bundle';

let fakeProvider: FakeProvider;
let bundle: { codePath: string };
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  bundle = await workflowBundleOf(join(__dirname, '..', '..', 'workflows', 'examples', 'order-agent.ts'));
});
afterAll(async () => {
  await fakeProvider.stop();
});

const ANSWER = 'Your order A-1001 has shipped; it is due on 4 December.';
const SCRIPT = [
  { toolResults: 0, callTools: [{ name: 'lookupOrder', arguments: { orderId: 'A-1001' } }] },
  { toolResults: 1, text: ANSWER },
];

async function budgetsOf(h: Harness, runId: string, turn: string) {
  const redis = await connectStackRedis();
  try {
    const manager = new TokenManager({
      scripts: new GuardScripts(redis, new KeySpace(h.config.redis.keyPrefix)),
      budget: h.config.budget,
      prices: PriceBook.fromConfig(h.config.budget.modelPrices, h.config.providers),
    });
    const { scopes } = await manager.show({ runId, turn });
    return Object.fromEntries(scopes.map((scope) => [scope.scope, scope]));
  } finally {
    await redis.quit();
  }
}

describe.each([FAKE_OPENAI, FAKE_ANTHROPIC])('an agent on %s', (provider) => {
  it('calls the tool, answers with its result, and every model call is guarded and counted', async () => {
    const h = await createHarness(
      fakeProvider,
      `agent-${provider}`,
      {},
      {
        workerOptions: () => ({ workflowBundle: bundle, activities: orderActivities }),
      },
    );
    h.fake.configure({ script: SCRIPT });
    const input: OrderAgentInput = {
      provider,
      model: 'fake-model',
      question: 'Where is my order A-1001?',
      meta: {
        idempotencyKey: h.name,
        runId: h.name,
        turn: 't1',
        operation: 'support',
        agent: 'orders',
        priority: 'normal',
      },
      policy: h.config.policy,
    };
    const { result, breaker } = await h.run(async () => {
      const result = await h.temporal.workflow.execute<(input: OrderAgentInput) => Promise<OrderAgentResult>>(
        'orderAgent',
        { taskQueue: h.config.temporal.taskQueue, workflowId: h.name, args: [input] },
      );
      return { result, breaker: await h.worker.breaker.status(provider) };
    });
    expect(result).toMatchObject({ answer: ANSWER, steps: 2, toolCalls: 1 });
    expect(result.ledger.state).toBe('DONE');
    expect(result.ledger.entries.map((entry) => entry.to)).toEqual(['QUEUED', 'RUNNING', 'DONE']);
    expect(h.fake.stats.received).toBe(2);
    const [first, second] = h.fake.requests.map((request) => JSON.stringify(request.body));
    expect(first).toContain('lookupOrder');
    expect(second).toContain('2026-12-04');

    expect(breaker.counts.consecutiveFailures).toBe(0);
    expect(breaker.stats).toMatchObject({ success: 2 });
    expect(breaker.stats.failure ?? 0).toBe(0);

    const budgets = await budgetsOf(h, h.name, 't1');
    // Two model calls, and the one tool call the model asked for.
    expect(budgets.turn_tool_calls).toMatchObject({ spent: 3, reserved: 0 });
    expect(budgets.turn_tokens!.spent).toBeGreaterThan(0);
    expect(budgets.run!.spent).toBeGreaterThan(0);
    expect(budgets.run!.reserved).toBe(0);
  });
});
