/**
 * REDIS_WAIT_REPLICAS on a real Sentinel-managed Redis: an admission counts only once a replica holds
 * it; one the replicas do not acknowledge in time is given back and the task waits BLOCKED
 * (`guard_unavailable`) until they do, unless the guard fails open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGuardUnavailableError } from '../../src/errors';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { RedisSentinelDevServer } from '../../src/testing/redis-sentinel';
import { chat, createHarness, eventually, startFakeProvider } from '../support/harness';
import {
  admitRequest,
  connectHa,
  guardOn,
  haConfig,
  sentinelDeployment,
  type HaDeployment,
} from '../support/ha-suite';

let dir: string;
let sentinel: RedisSentinelDevServer;
let fakeProvider: FakeProvider;
let deployment: HaDeployment;

const WAIT_ENV = { REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '200' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-wait-'));
  [sentinel, fakeProvider] = await Promise.all([RedisSentinelDevServer.start({ dir }), startFakeProvider()]);
  deployment = sentinelDeployment(sentinel);
}, 60_000);

afterAll(async () => {
  await Promise.all([sentinel?.stop(), fakeProvider?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `work` with the replica down, then starts it again. */
async function withoutReplica<T>(work: () => Promise<T>): Promise<T> {
  const [replica] = await sentinel.replicaPorts();
  await sentinel.kill(replica!);
  try {
    return await work();
  } finally {
    await sentinel.restart(replica!);
  }
}

const runScope = async (manager: ReturnType<typeof guardOn>['manager'], runId: string) =>
  (await manager.show({ runId })).scopes.find((scope) => scope.scope === 'run')!;

describe('REDIS_WAIT_REPLICAS', () => {
  it('admits once the replica holds the admission; gives it back and fails closed when none does', async () => {
    const config = haConfig(deployment, { ...WAIT_ENV, BUDGET_RUN_USD: '1' });
    const redis = await connectHa(config);
    try {
      const { guard, manager } = guardOn(config, redis, 'wait');
      const admission = await guard.admit(admitRequest('held', 5000));
      expect(admission.guarded).toBe(true);
      expect((await runScope(manager, 'held')).reserved).toBe(5000);
      await guard.settle({ admission, outcome: 'success', actual: { micros: 100, tokens: 1 } });

      const refused = await withoutReplica(() =>
        guard.admit(admitRequest('lost', 5000)).catch((error: unknown) => error),
      );
      expect(isGuardUnavailableError(refused)).toBe(true);
      // The admission the replicas did not acknowledge was given back: nothing stays reserved.
      expect(await runScope(manager, 'lost')).toMatchObject({ reserved: 0, spent: 0 });
    } finally {
      redis.disconnect();
    }
  });

  it('fails open when GUARD_FAIL_OPEN is set: the unacknowledged admission stands', async () => {
    const config = haConfig(deployment, { ...WAIT_ENV, GUARD_FAIL_OPEN: 'true', BUDGET_RUN_USD: '1' });
    const redis = await connectHa(config);
    try {
      const { guard, manager } = guardOn(config, redis, 'wait-open');
      const admission = await withoutReplica(() => guard.admit(admitRequest('open', 5000)));
      expect(admission).toMatchObject({ guarded: true });
      expect((await runScope(manager, 'open')).reserved).toBe(5000);
    } finally {
      redis.disconnect();
    }
  });

  it('a task waits BLOCKED guard_unavailable while no replica acknowledges, then finishes DONE', async () => {
    const h = await createHarness(fakeProvider, 'ha-wait', {
      ...deployment.env,
      ...WAIT_ENV,
      GUARD_UNAVAILABLE_RETRY_MS: '300',
    });
    const result = await h.run(() =>
      withoutReplica(async () => {
        await h.client.submit(chat('wait for a replica'), { idempotencyKey: h.name });
        await eventually(async () => {
          const ledger = await h.client.getLedger(h.name);
          return ledger.entries.some((entry) => entry.reason === 'guard_unavailable') ? true : undefined;
        }, 15_000);
        expect(h.fake.stats.received).toBe(0);
      }).then(() => h.client.result(h.name)),
    );
    expect(result.ledger.state).toBe('DONE');
    expect(h.fake.stats.received).toBe(1);
  });
});
