/**
 * The shared circuit breaker: one per provider, held in Redis and moved atomically by the
 * `breaker-*.lua` scripts, so every worker sees the same state. Each admission and each settle is
 * one round trip.
 */
import type Redis from 'ioredis';
import type { SettleOutcome } from '../guard/guard';
import type { KeySpace } from '../redis/keys';
import { commandsOf, type BreakwaterCommands } from '../redis/scripts';
import type { BreakerSettings, BreakerStateName } from './settings';
import type { AdmitDecision, BreakerCounts, BreakerTransition, SettleResult } from './state-machine';

export interface BreakerStatus {
  provider: string;
  /** The effective state: an OPEN breaker past its reset time reports HALF_OPEN. */
  state: BreakerStateName;
  /** When OPEN: epoch ms at which it may half-open. */
  openUntil?: number;
  /** When OPEN: ms until it may half-open. */
  retryAfterMs: number;
  inFlight: number;
  probesInFlight: number;
  counts: BreakerCounts;
  /** Cluster-wide counters: admitted, probes, success, failure, rate_limited, neutral, rejected_*, transitions, … */
  stats: Record<string, number>;
  /** The transition an operator action caused, if any. */
  transition?: BreakerTransition;
}

export interface RedisBreakerOptions {
  redis: Redis;
  keys: KeySpace;
  settings: BreakerSettings;
  /** This worker's identity, for the "failures from K distinct workers" rule. */
  workerId: string;
  /** Tests only: a clock passed to the scripts instead of Redis time. */
  clock?: () => number;
  random?: () => number;
}

export class RedisBreaker {
  private readonly commands: BreakwaterCommands;
  private readonly registered = new Set<string>();
  /** The settings as the scripts take them: one comma-separated argument (see _breaker.lua). */
  private readonly packedSettings: string;

  constructor(private readonly options: RedisBreakerOptions) {
    this.commands = commandsOf(options.redis);
    const s = options.settings;
    this.packedSettings = [
      s.mode,
      s.failureThreshold,
      s.resetMs,
      s.halfOpenProbes,
      s.halfOpenProbability,
      s.successThreshold,
      s.halfOpenRetryMs,
      s.windowMs,
      s.failureRate,
      s.minimumVolume,
      s.minDistinctWorkers,
    ].join(',');
  }

  get settings(): BreakerSettings {
    return this.options.settings;
  }

  async admit(provider: string, attemptId: string, leaseMs: number): Promise<AdmitDecision> {
    this.register(provider);
    const [admitted, probe, retryAfterMs, state, transition] = await this.commands.breakerAdmit(
      this.options.keys.breaker(provider),
      attemptId,
      leaseMs,
      (this.options.random ?? Math.random)(),
      this.packedSettings,
      this.clockArg(),
    );
    const parsed = parseTransition(transition);
    if (admitted === 1)
      return { admitted: true, probe: probe === 1, ...(parsed ? { transition: parsed } : {}) };
    return {
      admitted: false,
      state: state as BreakerStateName,
      retryAfterMs: Number(retryAfterMs),
      ...(parsed ? { transition: parsed } : {}),
    };
  }

  async settle(provider: string, attemptId: string, outcome: SettleOutcome): Promise<SettleResult> {
    const [settled, transition] = await this.commands.breakerSettle(
      this.options.keys.breaker(provider),
      attemptId,
      outcome,
      this.options.workerId,
      this.packedSettings,
      this.clockArg(),
    );
    const parsed = parseTransition(transition);
    return { settled: settled === 1, ...(parsed ? { transition: parsed } : {}) };
  }

  status(provider: string): Promise<BreakerStatus> {
    return this.control(provider, 'status', 0);
  }

  /** Closes the breaker and clears its counters (its cluster-wide stats are kept). */
  reset(provider: string): Promise<BreakerStatus> {
    return this.control(provider, 'reset', 0);
  }

  /** Opens the breaker for `durationMs` (a maintenance window); it half-opens after that. */
  forceOpen(provider: string, durationMs: number): Promise<BreakerStatus> {
    if (!(Number.isFinite(durationMs) && durationMs > 0))
      throw new RangeError('durationMs: must be a positive number');
    this.register(provider);
    return this.control(provider, 'open', Math.round(durationMs));
  }

  /** Providers that have (had) a breaker under this key prefix. */
  async knownProviders(): Promise<string[]> {
    return (await this.options.redis.smembers(this.options.keys.breakerRegistry())).sort();
  }

  private async control(provider: string, action: string, durationMs: number): Promise<BreakerStatus> {
    const reply = await this.commands.breakerControl(
      this.options.keys.breaker(provider),
      action,
      durationMs,
      this.packedSettings,
      this.clockArg(),
    );
    const status = JSON.parse(reply) as Omit<BreakerStatus, 'provider'> & {
      stats: Record<string, number> | [];
    };
    // cjson encodes an empty table as an array.
    return { ...status, provider, stats: Array.isArray(status.stats) ? {} : status.stats };
  }

  /** Records the provider in the registry once per process; not on the admission's round trip. */
  private register(provider: string): void {
    if (this.registered.has(provider)) return;
    this.registered.add(provider);
    this.options.redis
      .sadd(this.options.keys.breakerRegistry(), provider)
      .catch(() => this.registered.delete(provider));
  }

  private clockArg(): string {
    return this.options.clock ? String(this.options.clock()) : '';
  }
}

function parseTransition(json: string): BreakerTransition | undefined {
  if (!json) return undefined;
  const transition = JSON.parse(json) as BreakerTransition & { counts: BreakerCounts | [] };
  return { ...transition, counts: Array.isArray(transition.counts) ? emptyCounts() : transition.counts };
}

function emptyCounts(): BreakerCounts {
  return {
    consecutiveFailures: 0,
    halfOpenSuccesses: 0,
    windowCalls: 0,
    windowFailures: 0,
    distinctFailingWorkers: 0,
  };
}
