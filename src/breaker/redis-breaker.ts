/**
 * The shared circuit breaker: one per provider, held in Redis and moved atomically by the function
 * library (`src/redis/lua/_breaker.lua`), so every worker sees the same state. Each admission and
 * each settle is one round trip. Workers admit through the guard (breaker, rate limits and budgets
 * together); this class serves status, operator actions and breaker-only admissions.
 */
import { normalizeTransition, type GuardScripts } from '../redis/guard-scripts';
import type {
  AdmitDecision,
  BreakerCounts,
  BreakerOutcome,
  BreakerSettings,
  BreakerSettleResult,
  BreakerStatus,
  BreakerTransition,
} from './types';

export interface RedisBreakerOptions {
  /** The connection's script calls (one per connection and key prefix, shared with the guard). */
  scripts: GuardScripts;
  settings: BreakerSettings;
  /** This worker's identity, for the "failures from K distinct workers" rule. */
  workerId: string;
  /** Tests only: a clock passed to the scripts instead of Redis time. */
  clock?: () => number;
  random?: () => number;
}

export class RedisBreaker {
  private readonly registered = new Set<string>();

  constructor(private readonly options: RedisBreakerOptions) {}

  private get scripts(): GuardScripts {
    return this.options.scripts;
  }

  get settings(): BreakerSettings {
    return this.options.settings;
  }

  /** Admits one attempt through the breaker alone (no rate limit, no budget). */
  async admit(provider: string, attemptId: string, leaseMs: number): Promise<AdmitDecision> {
    this.register(provider);
    const outcome = await this.scripts.admit({
      provider,
      attemptId,
      leaseMs,
      breaker: this.options.settings,
      random: (this.options.random ?? Math.random)(),
      clock: this.options.clock?.(),
    });
    const transition =
      'transition' in outcome && outcome.transition ? { transition: outcome.transition } : {};
    if (outcome.code === 'admitted') return { admitted: true, probe: outcome.probe, ...transition };
    if (outcome.code === 'breaker_refused') {
      return { admitted: false, state: outcome.state, retryAfterMs: outcome.retryAfterMs, ...transition };
    }
    throw new Error(`breaker-only admission returned ${outcome.code}`);
  }

  /** `slow`: the call was slower than `LLM_SLOW_CALL_MS` (for the slow-call rate). */
  async settle(
    provider: string,
    attemptId: string,
    outcome: BreakerOutcome,
    slow = false,
  ): Promise<BreakerSettleResult> {
    const result = await this.scripts.settle({
      provider,
      attemptId,
      outcome,
      slow,
      workerId: this.options.workerId,
      breaker: this.options.settings,
      clock: this.options.clock?.(),
    });
    return {
      settled: result.breakerSettled,
      ...(result.transition ? { transition: result.transition } : {}),
    };
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
    return (await this.scripts.redis.smembers(this.scripts.keys.key('breakerRegistry'))).sort();
  }

  /** Records `providers` in the registry now (a worker's configured ones, at start). */
  async registerAll(providers: readonly string[]): Promise<void> {
    if (providers.length === 0) return;
    await this.scripts.redis.sadd(this.scripts.keys.key('breakerRegistry'), ...providers);
    providers.forEach((provider) => this.registered.add(provider));
  }

  /** Records the provider in the registry once per process; not on the admission's round trip. */
  register(provider: string): void {
    if (this.registered.has(provider)) return;
    this.registered.add(provider);
    this.scripts.redis
      .sadd(this.scripts.keys.key('breakerRegistry'), provider)
      .catch(() => this.registered.delete(provider));
  }

  private async control(
    provider: string,
    action: 'status' | 'reset' | 'open',
    durationMs: number,
  ): Promise<BreakerStatus> {
    const status = (await this.scripts.breakerControl(
      provider,
      action,
      durationMs,
      this.options.settings,
      this.options.clock?.(),
    )) as Omit<BreakerStatus, 'provider' | 'transition'> & {
      stats: Record<string, number> | [];
      transition?: BreakerTransition & { counts: BreakerCounts | [] };
    };
    const { transition, ...rest } = status;
    return {
      ...rest,
      provider,
      // cjson encodes an empty table as an array.
      stats: Array.isArray(status.stats) ? {} : status.stats,
      ...(transition ? { transition: normalizeTransition(transition) } : {}),
    };
  }
}
