import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config';
import type { BreakerSettings } from '../../src/breaker/types';
import { BreakerReferenceModel } from '../../src/breaker/reference-model';

class ManualClock {
  constructor(public now = 1_000_000) {}
  advance(ms: number): void {
    this.now += ms;
  }
  readonly read = () => this.now;
}

function machine(overrides: Partial<BreakerSettings> = {}, random: () => number = () => 0) {
  const clock = new ManualClock();
  const settings = { ...defaultConfig().breaker, failureThreshold: 3, resetMs: 10_000, ...overrides };
  return { clock, breaker: new BreakerReferenceModel(settings, clock.read, random), settings };
}

let sequence = 0;
const id = () => `attempt-${++sequence}`;

/** Admits and settles one call; returns whether it was admitted. */
function call(breaker: BreakerReferenceModel, outcome: 'success' | 'failure', worker = 'w1'): boolean {
  const attempt = id();
  const decision = breaker.admit(attempt, 5_000);
  if (!decision.admitted) return false;
  breaker.settle(attempt, outcome, worker);
  return true;
}

function openBreaker(breaker: BreakerReferenceModel, threshold = 3): void {
  for (let i = 0; i < threshold; i++) expect(call(breaker, 'failure')).toBe(true);
  expect(breaker.snapshot().state).toBe('OPEN');
}

describe('breaker state machine: CLOSED', () => {
  it('starts CLOSED and admits calls', () => {
    const { breaker } = machine();
    expect(breaker.snapshot().state).toBe('CLOSED');
    expect(breaker.admit(id(), 1000)).toEqual({ admitted: true, probe: false });
  });

  it('opens after failureThreshold consecutive counted failures, reporting the transition', () => {
    const { breaker, clock } = machine();
    call(breaker, 'failure');
    call(breaker, 'failure');
    const attempt = id();
    breaker.admit(attempt, 1000);
    const result = breaker.settle(attempt, 'failure', 'w1');
    expect(result.transition).toMatchObject({
      from: 'CLOSED',
      to: 'OPEN',
      reason: 'failure_threshold',
      at: clock.now,
    });
    expect(result.transition?.counts.consecutiveFailures).toBe(3);
    expect(breaker.snapshot()).toMatchObject({ state: 'OPEN', openUntil: clock.now + 10_000 });
  });

  it('a success resets the consecutive count', () => {
    const { breaker } = machine();
    call(breaker, 'failure');
    call(breaker, 'failure');
    call(breaker, 'success');
    call(breaker, 'failure');
    call(breaker, 'failure');
    expect(breaker.snapshot().state).toBe('CLOSED');
    expect(breaker.snapshot().counts.consecutiveFailures).toBe(2);
  });

  it('does not count rate-limited or neutral outcomes', () => {
    const { breaker } = machine();
    for (let i = 0; i < 10; i++) {
      const attempt = id();
      breaker.admit(attempt, 1000);
      breaker.settle(attempt, i % 2 === 0 ? 'rate_limited' : 'neutral', 'w1');
    }
    expect(breaker.snapshot()).toMatchObject({ state: 'CLOSED', counts: { consecutiveFailures: 0 } });
  });

  it('counts a settle once per attempt id; an unknown attempt is not settled', () => {
    const { breaker } = machine();
    const attempt = id();
    breaker.admit(attempt, 1000);
    expect(breaker.settle(attempt, 'failure', 'w1').settled).toBe(true);
    expect(breaker.settle(attempt, 'failure', 'w1').settled).toBe(false);
    expect(breaker.settle('never-admitted', 'failure', 'w1').settled).toBe(false);
    expect(breaker.snapshot().counts.consecutiveFailures).toBe(1);
  });

  it('gates: while failures accrue, calls in flight count as possible failures', () => {
    const { breaker } = machine();
    // Never succeeded: at most `threshold` calls in flight.
    const inFlight = [id(), id(), id()].map((attempt) => breaker.admit(attempt, 5000));
    expect(inFlight.every((decision) => decision.admitted)).toBe(true);
    expect(breaker.admit(id(), 5000)).toEqual({ admitted: false, state: 'CLOSED', retryAfterMs: 2000 });
  });

  it('does not gate a provider that answered successfully within the window with no failure since', () => {
    const { breaker } = machine();
    call(breaker, 'success');
    const decisions = Array.from({ length: 10 }, () => breaker.admit(id(), 5000));
    expect(decisions.every((decision) => decision.admitted)).toBe(true);
  });

  it('gates again once the last success is older than the window', () => {
    const { breaker, clock } = machine({ windowMs: 30_000 });
    call(breaker, 'success');
    clock.advance(30_001);
    for (let i = 0; i < 3; i++) expect(breaker.admit(id(), 60_000).admitted).toBe(true);
    expect(breaker.admit(id(), 60_000).admitted).toBe(false);
  });

  it('requires failures from minDistinctWorkers workers before opening', () => {
    const { breaker } = machine({ minDistinctWorkers: 2 });
    for (let i = 0; i < 5; i++) call(breaker, 'failure', 'lonely-worker');
    expect(breaker.snapshot().state).toBe('CLOSED');
    call(breaker, 'failure', 'second-worker');
    expect(breaker.snapshot().state).toBe('OPEN');
  });
});

describe('breaker state machine: rate mode', () => {
  const rate = { mode: 'rate' as const, failureRate: 0.5, minimumVolume: 4, windowMs: 10_000 };

  it('opens when the failure share in the window reaches the rate with enough volume', () => {
    const { breaker } = machine(rate);
    call(breaker, 'success');
    call(breaker, 'failure');
    call(breaker, 'success');
    expect(breaker.snapshot().state).toBe('CLOSED');
    const attempt = id();
    breaker.admit(attempt, 1000);
    expect(breaker.settle(attempt, 'failure', 'w1').transition).toMatchObject({
      to: 'OPEN',
      reason: 'failure_rate',
    });
  });

  it('forgets outcomes older than the window', () => {
    const { breaker, clock } = machine(rate);
    call(breaker, 'failure');
    call(breaker, 'failure');
    call(breaker, 'failure');
    clock.advance(10_001);
    call(breaker, 'failure');
    expect(breaker.snapshot()).toMatchObject({
      state: 'CLOSED',
      counts: { windowCalls: 1, windowFailures: 1 },
    });
  });
});

describe('breaker state machine: OPEN and HALF_OPEN', () => {
  it('refuses while OPEN with the time until it may half-open', () => {
    const { breaker, clock } = machine();
    openBreaker(breaker);
    clock.advance(4_000);
    expect(breaker.admit(id(), 1000)).toEqual({ admitted: false, state: 'OPEN', retryAfterMs: 6_000 });
  });

  it('half-opens after resetMs and admits one probe; others wait while it is in flight', () => {
    const { breaker, clock } = machine();
    openBreaker(breaker);
    clock.advance(10_000);
    const probe = breaker.admit(id(), 5000);
    expect(probe).toMatchObject({
      admitted: true,
      probe: true,
      transition: { from: 'OPEN', to: 'HALF_OPEN', reason: 'reset_timeout' },
    });
    expect(breaker.admit(id(), 5000)).toEqual({ admitted: false, state: 'HALF_OPEN', retryAfterMs: 2000 });
    expect(breaker.snapshot()).toMatchObject({ state: 'HALF_OPEN', probesInFlight: 1 });
  });

  it('admits up to halfOpenProbes probes at once', () => {
    const { breaker, clock } = machine({ halfOpenProbes: 3 });
    openBreaker(breaker);
    clock.advance(10_000);
    const decisions = Array.from({ length: 10 }, () => breaker.admit(id(), 5000));
    expect(decisions.filter((decision) => decision.admitted)).toHaveLength(3);
  });

  it('closes after successThreshold probe successes', () => {
    const { breaker, clock } = machine({ successThreshold: 2 });
    openBreaker(breaker);
    clock.advance(10_000);
    expect(call(breaker, 'success')).toBe(true);
    expect(breaker.snapshot()).toMatchObject({ state: 'HALF_OPEN', counts: { halfOpenSuccesses: 1 } });
    const attempt = id();
    breaker.admit(attempt, 5000);
    expect(breaker.settle(attempt, 'success', 'w1').transition).toMatchObject({
      from: 'HALF_OPEN',
      to: 'CLOSED',
      reason: 'probe_successes',
    });
    expect(breaker.snapshot().counts).toMatchObject({ consecutiveFailures: 0, halfOpenSuccesses: 0 });
  });

  it('re-opens on any probe failure, for a full reset period', () => {
    const { breaker, clock } = machine();
    openBreaker(breaker);
    clock.advance(10_000);
    call(breaker, 'success');
    const attempt = id();
    breaker.admit(attempt, 5000);
    expect(breaker.settle(attempt, 'failure', 'w1').transition).toMatchObject({
      from: 'HALF_OPEN',
      to: 'OPEN',
      reason: 'probe_failed',
    });
    expect(breaker.snapshot()).toMatchObject({ state: 'OPEN', openUntil: clock.now + 10_000 });
  });

  it('a probe whose holder died frees its slot when its lease expires', () => {
    const { breaker, clock } = machine();
    openBreaker(breaker);
    clock.advance(10_000);
    expect(breaker.admit('dead-holder', 3000)).toMatchObject({ admitted: true, probe: true });
    clock.advance(2_999);
    expect(breaker.admit(id(), 3000).admitted).toBe(false);
    clock.advance(1);
    expect(breaker.admit(id(), 3000)).toMatchObject({ admitted: true, probe: true });
    expect(breaker.settle('dead-holder', 'failure', 'w1').settled).toBe(false);
    expect(breaker.snapshot().state).toBe('HALF_OPEN');
  });

  it('a late settle of a call admitted before the breaker opened does not move it', () => {
    const { breaker, clock } = machine({ failureThreshold: 2 });
    call(breaker, 'success');
    const [late, first, second] = [id(), id(), id()];
    for (const attempt of [late, first, second]) expect(breaker.admit(attempt, 60_000).admitted).toBe(true);
    breaker.settle(first, 'failure', 'w1');
    breaker.settle(second, 'failure', 'w1');
    expect(breaker.snapshot().state).toBe('OPEN');
    expect(breaker.settle(late, 'success', 'w1')).toEqual({ settled: true });
    expect(breaker.snapshot().state).toBe('OPEN');
    clock.advance(10_000);
    breaker.admit(id(), 1000);
    expect(breaker.snapshot().state).toBe('HALF_OPEN');
  });

  it('keeps admitting one call at a time when the threshold is reached but the breaker may not open', () => {
    const { breaker } = machine({ minDistinctWorkers: 2 });
    for (let i = 0; i < 5; i++) expect(call(breaker, 'failure', 'lonely-worker')).toBe(true);
    const inFlight = breaker.admit(id(), 5000);
    expect(inFlight.admitted).toBe(true);
    expect(breaker.admit(id(), 5000).admitted).toBe(false);
  });

  it('with halfOpenProbability, a free slot admits only when the draw is below it', () => {
    const draws = [0.9, 0.1];
    const { breaker, clock } = machine({ halfOpenProbability: 0.2 }, () => draws.shift() ?? 0.99);
    openBreaker(breaker);
    clock.advance(10_000);
    expect(breaker.admit(id(), 1000).admitted).toBe(false);
    expect(breaker.admit(id(), 1000)).toMatchObject({ admitted: true, probe: true });
  });

  it('snapshot reports an OPEN breaker past its reset time as HALF_OPEN', () => {
    const { breaker, clock } = machine();
    openBreaker(breaker);
    clock.advance(10_000);
    expect(breaker.snapshot().state).toBe('HALF_OPEN');
  });
});

describe('breaker state machine: operator actions', () => {
  it('forceOpen opens for the given duration, then half-opens', () => {
    const { breaker, clock } = machine();
    expect(breaker.forceOpen(60_000)).toMatchObject({ from: 'CLOSED', to: 'OPEN', reason: 'forced_open' });
    clock.advance(59_999);
    expect(breaker.admit(id(), 1000)).toEqual({ admitted: false, state: 'OPEN', retryAfterMs: 1 });
    clock.advance(1);
    expect(breaker.admit(id(), 1000)).toMatchObject({ admitted: true, probe: true });
  });

  it('reset closes and clears the counters', () => {
    const { breaker } = machine();
    openBreaker(breaker);
    expect(breaker.reset()).toMatchObject({ from: 'OPEN', to: 'CLOSED', reason: 'manual_reset' });
    expect(breaker.snapshot()).toMatchObject({ state: 'CLOSED', counts: { consecutiveFailures: 0 } });
    expect(breaker.reset()).toBeUndefined();
  });
});
