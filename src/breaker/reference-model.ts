/**
 * The reference model of the shared circuit breaker: the same rules as `src/redis/lua/_breaker.lua`
 * (the breaker production runs, in Redis), in process, with an injected clock and random source.
 *
 * Production never runs this model. The conformance test drives it and the Lua breaker with the
 * same events and expects the same decisions, and the breaker benchmark uses it as the "one breaker
 * per process" baseline. A change to the breaker's rules is made in the Lua and here together.
 */
import type {
  AdmitDecision,
  BreakerCounts,
  BreakerOutcome,
  BreakerSettings,
  BreakerSettleResult,
  BreakerStateName,
  BreakerTransition,
} from './types';

export interface BreakerSnapshot {
  state: BreakerStateName;
  /** When OPEN: the time the breaker may half-open. */
  openUntil?: number;
  inFlight: number;
  probesInFlight: number;
  counts: BreakerCounts;
}

interface Lease {
  expiresAt: number;
  probe: boolean;
}

export class BreakerReferenceModel {
  private state: BreakerStateName = 'CLOSED';
  private consecutiveFailures = 0;
  private halfOpenSuccesses = 0;
  private openUntil = 0;
  private lastSuccessAt = 0;
  private readonly leases = new Map<string, Lease>();
  /** Worker id → time of its last counted failure (since the last success, or within the window in rate mode). */
  private readonly failingWorkers = new Map<string, number>();
  private window: Array<{ at: number; failure: boolean; slow: boolean }> = [];

  constructor(
    private readonly settings: BreakerSettings,
    private readonly clock: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  admit(attemptId: string, leaseMs: number): AdmitDecision {
    const now = this.clock();
    this.expireLeases(now);
    let transition: BreakerTransition | undefined;
    if (this.state === 'OPEN') {
      if (now < this.openUntil) return { admitted: false, state: 'OPEN', retryAfterMs: this.openUntil - now };
      transition = this.moveTo('HALF_OPEN', 'reset_timeout', now);
    }
    if (this.state === 'HALF_OPEN') {
      if (this.leases.get(attemptId)?.probe) return { admitted: true, probe: true, transition };
      const probes = [...this.leases.values()].filter((lease) => lease.probe).length;
      if (probes >= this.settings.halfOpenProbes || this.random() >= this.settings.halfOpenProbability) {
        return {
          admitted: false,
          state: 'HALF_OPEN',
          retryAfterMs: this.settings.halfOpenRetryMs,
          transition,
        };
      }
      this.leases.set(attemptId, { expiresAt: now + leaseMs, probe: true });
      return { admitted: true, probe: true, transition };
    }
    if (this.gated(now, attemptId)) {
      return { admitted: false, state: 'CLOSED', retryAfterMs: this.settings.halfOpenRetryMs, transition };
    }
    const existing = this.leases.get(attemptId);
    this.leases.set(attemptId, { expiresAt: now + leaseMs, probe: existing?.probe ?? false });
    return { admitted: true, probe: false, transition };
  }

  /**
   * While failures are accruing, or before the provider has answered successfully within the window,
   * calls in flight count as possible failures: no more are admitted than it takes to open the breaker.
   * So a provider that is down receives at most `failureThreshold` calls before the breaker opens,
   * however many workers and tasks race.
   */
  private gated(now: number, attemptId: string): boolean {
    if (this.settings.mode !== 'consecutive') return false;
    const proven = this.lastSuccessAt > 0 && now - this.lastSuccessAt <= this.settings.windowMs;
    if (proven && this.consecutiveFailures === 0) return false;
    const inFlight = this.leases.size - (this.leases.has(attemptId) ? 1 : 0);
    // At least one call at a time, so a breaker that may not open yet (minDistinctWorkers) keeps learning.
    return inFlight >= Math.max(1, this.settings.failureThreshold - this.consecutiveFailures);
  }

  /** `slow`: the call was slower than `LLM_SLOW_CALL_MS` (counted by the slow-call rate, rate mode only). */
  settle(attemptId: string, outcome: BreakerOutcome, workerId: string, slow = false): BreakerSettleResult {
    const now = this.clock();
    this.expireLeases(now);
    const lease = this.leases.get(attemptId);
    if (!lease) return { settled: false };
    this.leases.delete(attemptId);
    if (outcome === 'neutral' || outcome === 'rate_limited') return { settled: true };
    const failure = outcome === 'failure';

    if (this.state === 'HALF_OPEN') {
      if (!lease.probe) return { settled: true };
      if (failure) return { settled: true, transition: this.open('probe_failed', now) };
      this.lastSuccessAt = now;
      this.halfOpenSuccesses += 1;
      if (this.halfOpenSuccesses >= this.settings.successThreshold) {
        return { settled: true, transition: this.moveTo('CLOSED', 'probe_successes', now) };
      }
      return { settled: true };
    }
    if (this.state === 'OPEN') return { settled: true };

    const slowCounted = slow && this.settings.mode === 'rate' && this.settings.slowCallRate > 0;
    this.window.push({ at: now, failure, slow: slowCounted });
    this.pruneWindow(now);
    if (!failure) {
      this.lastSuccessAt = now;
      this.consecutiveFailures = 0;
      if (this.settings.mode === 'consecutive') this.failingWorkers.clear();
      if (slowCounted && this.slowCallRateReached()) {
        return { settled: true, transition: this.open('slow_call_rate', now) };
      }
      return { settled: true };
    }
    this.consecutiveFailures += 1;
    this.failingWorkers.set(workerId, now);
    if (slowCounted && this.slowCallRateReached()) {
      return { settled: true, transition: this.open('slow_call_rate', now) };
    }
    const reason = this.openReason();
    return reason ? { settled: true, transition: this.open(reason, now) } : { settled: true };
  }

  /** Opens the breaker until `now + durationMs` (a maintenance window). */
  forceOpen(durationMs: number): BreakerTransition | undefined {
    const now = this.clock();
    const transition = this.state === 'OPEN' ? undefined : this.moveTo('OPEN', 'forced_open', now);
    this.openUntil = now + durationMs;
    this.halfOpenSuccesses = 0;
    return transition;
  }

  /** Closes the breaker and clears its counters. */
  reset(): BreakerTransition | undefined {
    const now = this.clock();
    const from = this.state;
    const transition = from === 'CLOSED' ? undefined : this.moveTo('CLOSED', 'manual_reset', now);
    this.clearCounters();
    return transition;
  }

  snapshot(): BreakerSnapshot {
    const now = this.clock();
    this.expireLeases(now);
    this.pruneWindow(now);
    const leases = [...this.leases.values()];
    const snapshot: BreakerSnapshot = {
      state: this.state === 'OPEN' && now >= this.openUntil ? 'HALF_OPEN' : this.state,
      inFlight: leases.length,
      probesInFlight: leases.filter((lease) => lease.probe).length,
      counts: this.counts(),
    };
    if (snapshot.state === 'OPEN') snapshot.openUntil = this.openUntil;
    return snapshot;
  }

  private openReason(): string | undefined {
    if (this.failingWorkers.size < this.settings.minDistinctWorkers) return undefined;
    if (this.settings.mode === 'consecutive') {
      return this.consecutiveFailures >= this.settings.failureThreshold ? 'failure_threshold' : undefined;
    }
    const calls = this.window.length;
    const failures = this.window.filter((entry) => entry.failure).length;
    return calls >= this.settings.minimumVolume && failures / calls >= this.settings.failureRate
      ? 'failure_rate'
      : undefined;
  }

  /** Slow calls are `slowCallRate` of the window's calls, with `minimumVolume` calls or more (any workers). */
  private slowCallRateReached(): boolean {
    const calls = this.window.length;
    const slow = this.window.filter((entry) => entry.slow).length;
    return calls >= this.settings.minimumVolume && slow / calls >= this.settings.slowCallRate;
  }

  private open(reason: string, now: number): BreakerTransition {
    const transition = this.moveTo('OPEN', reason, now);
    this.openUntil = now + this.settings.resetMs;
    return transition;
  }

  private moveTo(to: BreakerStateName, reason: string, now: number): BreakerTransition {
    const transition: BreakerTransition = { from: this.state, to, reason, at: now, counts: this.counts() };
    this.state = to;
    if (to === 'HALF_OPEN') {
      this.halfOpenSuccesses = 0;
      for (const [id, lease] of this.leases) if (lease.probe) this.leases.delete(id);
    }
    if (to === 'CLOSED') this.clearCounters();
    if (to === 'OPEN') this.halfOpenSuccesses = 0;
    return transition;
  }

  private clearCounters(): void {
    this.consecutiveFailures = 0;
    this.halfOpenSuccesses = 0;
    this.failingWorkers.clear();
    this.window = [];
  }

  private counts(): BreakerCounts {
    return {
      consecutiveFailures: this.consecutiveFailures,
      halfOpenSuccesses: this.halfOpenSuccesses,
      windowCalls: this.window.length,
      windowFailures: this.window.filter((entry) => entry.failure).length,
      distinctFailingWorkers: this.failingWorkers.size,
    };
  }

  private expireLeases(now: number): void {
    for (const [id, lease] of this.leases) if (lease.expiresAt <= now) this.leases.delete(id);
  }

  private pruneWindow(now: number): void {
    const since = now - this.settings.windowMs;
    this.window = this.window.filter((entry) => entry.at > since);
    if (this.settings.mode === 'rate') {
      for (const [worker, at] of this.failingWorkers) if (at <= since) this.failingWorkers.delete(worker);
    }
  }
}
