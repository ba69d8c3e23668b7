/** Timing and rounding for the benchmarks, and the latency of an admit and a settle next to a Redis PING. */
import type { RedisConnection } from '../src/redis/connection';
import { percentile } from '../src/percentiles';

/** Untimed rounds before the timed ones. */
const LATENCY_WARMUP = 200;

/** The value of `action` and how long it took. */
export async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; us: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await action();
  const ns = Number(process.hrtime.bigint() - start);
  return { ms: ns / 1e6, us: ns / 1000, value };
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Latencies in microseconds; `admitToPingRatio` is admit p50 / PING p50. */
/** `count` things in `ms` as a rate per second, rounded to `digits`. */
export function perSec(count: number, ms: number, digits = 2): number {
  return round((count * 1000) / ms, digits);
}

export interface Latency {
  admitP50Us: number;
  admitP99Us: number;
  settleP50Us: number;
  redisPingP50Us: number;
  redisPingP99Us: number;
  admitToPingRatio: number;
}

/**
 * Sequential rounds on one connection, each a PING then `admitAndSettle` (which times its own admit and
 * settle): `LATENCY_WARMUP` untimed rounds (`warmup/<i>`), which also load the scripts, then `iterations`
 * (`latency/<i>`).
 */
export async function measureAgainstPing(
  redis: RedisConnection,
  iterations: number,
  admitAndSettle: (attemptId: string) => Promise<{ admitUs: number; settleUs: number }>,
): Promise<Latency> {
  const oneRound = async (attemptId: string) => {
    const ping = await timed(() => redis.ping());
    return { pingUs: ping.us, ...(await admitAndSettle(attemptId)) };
  };
  for (let i = 0; i < LATENCY_WARMUP; i++) await oneRound(`warmup/${i}`);
  const rounds = [];
  for (let i = 0; i < iterations; i++) rounds.push(await oneRound(`latency/${i}`));
  const admit = rounds.map((r) => r.admitUs);
  const settle = rounds.map((r) => r.settleUs);
  const ping = rounds.map((r) => r.pingUs);
  const admitP50Us = round(percentile(admit, 50));
  const redisPingP50Us = round(percentile(ping, 50));
  return {
    admitP50Us,
    admitP99Us: round(percentile(admit, 99)),
    settleP50Us: round(percentile(settle, 50)),
    redisPingP50Us,
    redisPingP99Us: round(percentile(ping, 99)),
    admitToPingRatio: round(admitP50Us / redisPingP50Us, 2),
  };
}
