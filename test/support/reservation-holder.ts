/**
 * A stand-in for a worker that reserves budget and dies before it settles. It admits one call with
 * a budget claim of 0.04 USD on the run, prints the admission as a JSON line, then waits to be killed.
 * argv: redisUrl keyPrefix runId leaseMs
 */
import { defaultConfig } from '../../src/config';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { createRedis, waitUntilReady } from '../../src/redis/connection';
import { KeySpace } from '../../src/redis/keys';

async function main(): Promise<void> {
  const [redisUrl, keyPrefix, runId, leaseMs] = process.argv.slice(2);
  const redis = createRedis({ url: redisUrl!, commandTimeoutMs: 2000 });
  await waitUntilReady(redis);
  const scripts = new GuardScripts(redis, new KeySpace(keyPrefix!));
  const outcome = await scripts.admit({
    provider: 'fake',
    attemptId: `reservation-holder-${process.pid}`,
    leaseMs: Number(leaseMs),
    breaker: defaultConfig().breaker,
    claim: { runId: runId!, operation: 'doomed', micros: 40_000, tokens: 100 },
    ceilings: { runMicros: 5_000_000, operationMicros: 0, dailyMicros: 0, turnTokens: 0, turnToolCalls: 0 },
    random: 0,
  });
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
