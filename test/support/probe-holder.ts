/**
 * A stand-in for a worker that takes a half-open probe and dies holding it. It admits one call
 * through the shared breaker, prints the decision as a JSON line, then waits to be killed.
 * argv: redisUrl keyPrefix provider leaseMs
 */
import { RedisBreaker } from '../../src/breaker/redis-breaker';
import { defaultConfig } from '../../src/config';
import { createRedis, waitUntilReady } from '../../src/redis/connection';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';

async function main(): Promise<void> {
  const [redisUrl, keyPrefix, provider, leaseMs] = process.argv.slice(2);
  const redis = createRedis({ url: redisUrl!, commandTimeoutMs: 2000 });
  await waitUntilReady(redis);
  const breaker = new RedisBreaker({
    scripts: new GuardScripts(redis, new KeySpace(keyPrefix!)),
    settings: defaultConfig().breaker,
    workerId: `probe-holder/${process.pid}`,
  });
  const decision = await breaker.admit(provider!, `probe-holder-${process.pid}`, Number(leaseMs));
  process.stdout.write(`${JSON.stringify(decision)}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
