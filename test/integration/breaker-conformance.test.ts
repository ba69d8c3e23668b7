/**
 * The shared breaker (Lua on a real Redis) and the in-process reference model make the same
 * decisions for the same events, under the same injected clock and random draws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/redis/connection';
import { RedisBreaker } from '../../src/breaker/redis-breaker';
import { defaultConfig } from '../../src/config';
import type { BreakerSettings } from '../../src/breaker/types';
import { BreakerReferenceModel } from '../../src/breaker/reference-model';
import type { BreakerOutcome, BreakerTransition } from '../../src/breaker/types';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import { seededRandom } from '../../src/testing/fake-faults';
import { connectStackRedis, uniqueName } from '../support/harness';

let redis: RedisConnection;
beforeAll(async () => {
  redis = await connectStackRedis(2000);
});
afterAll(async () => {
  await redis.quit();
});

class Pair {
  now = 5_000_000;
  draw = 0;
  /** States and transitions the run went through, so a test can check it covered them. */
  readonly seen = new Set<string>();
  readonly model: BreakerReferenceModel;
  private readonly keys = new KeySpace(`conf:${uniqueName('breaker')}`);
  /** One shared breaker per worker id, all on the same keys: several workers, one breaker. */
  private readonly workers = new Map<string, RedisBreaker>();

  constructor(readonly settings: BreakerSettings) {
    this.model = new BreakerReferenceModel(
      settings,
      () => this.now,
      () => this.draw,
    );
  }

  get shared(): RedisBreaker {
    return this.worker('w0');
  }

  worker(workerId: string): RedisBreaker {
    let breaker = this.workers.get(workerId);
    if (!breaker) {
      breaker = new RedisBreaker({
        scripts: new GuardScripts(redis, this.keys),
        settings: this.settings,
        workerId,
        clock: () => this.now,
        random: () => this.draw,
      });
      this.workers.set(workerId, breaker);
    }
    return breaker;
  }

  async admit(attemptId: string, leaseMs: number, draw = 0) {
    this.draw = draw;
    const expected = this.model.admit(attemptId, leaseMs);
    if (expected.transition) this.seen.add(`${expected.transition.from}->${expected.transition.to}`);
    const actual = await this.shared.admit('p', attemptId, leaseMs);
    expect(normalize(actual), `admit ${attemptId} at ${this.now}`).toEqual(normalize(expected));
    return expected;
  }

  async settle(attemptId: string, outcome: BreakerOutcome, workerId: string, slow = false) {
    const expected = this.model.settle(attemptId, outcome, workerId, slow);
    if (expected.transition) this.seen.add(`${expected.transition.from}->${expected.transition.to}`);
    const actual = await this.worker(workerId).settle('p', attemptId, outcome, slow);
    expect(normalize(actual), `settle ${attemptId} ${outcome}${slow ? ' slow' : ''} at ${this.now}`).toEqual(
      normalize(expected),
    );
    return expected;
  }

  async forceOpen(durationMs: number) {
    const expected = this.model.forceOpen(durationMs);
    const actual = (await this.shared.forceOpen('p', durationMs)).transition;
    expect(normalizeTransition(actual)).toEqual(normalizeTransition(expected));
  }

  async reset() {
    const expected = this.model.reset();
    const actual = (await this.shared.reset('p')).transition;
    expect(normalizeTransition(actual)).toEqual(normalizeTransition(expected));
  }

  async compareState(step: string) {
    const expected = this.model.snapshot();
    this.seen.add(expected.state);
    const actual = await this.shared.status('p');
    expect(
      {
        state: actual.state,
        openUntil: actual.openUntil,
        inFlight: actual.inFlight,
        probes: actual.probesInFlight,
        counts: actual.counts,
      },
      step,
    ).toEqual({
      state: expected.state,
      openUntil: expected.openUntil,
      inFlight: expected.inFlight,
      probes: expected.probesInFlight,
      counts: expected.counts,
    });
  }
}

function normalizeTransition(transition: BreakerTransition | undefined) {
  return (
    transition && {
      from: transition.from,
      to: transition.to,
      reason: transition.reason,
      at: transition.at,
      counts: transition.counts,
    }
  );
}

function normalize(result: object) {
  const { transition, ...rest } = result as { transition?: BreakerTransition };
  return { ...rest, transition: normalizeTransition(transition) };
}

const settingsFor = (overrides: Partial<BreakerSettings>): BreakerSettings => ({
  ...defaultConfig().breaker,
  failureThreshold: 3,
  resetMs: 1000,
  halfOpenProbes: 2,
  successThreshold: 2,
  halfOpenRetryMs: 100,
  windowMs: 4000,
  minimumVolume: 4,
  ...overrides,
});

describe('shared breaker conforms to the reference model', () => {
  it('walks every transition in order', async () => {
    const pair = new Pair(settingsFor({}));
    let n = 0;
    const call = async (outcome: BreakerOutcome) => {
      const id = `a${++n}`;
      const decision = await pair.admit(id, 500);
      if (decision.admitted) await pair.settle(id, outcome, 'w1');
      return decision.admitted;
    };
    await call('success');
    for (let i = 0; i < 3; i++) await call('failure');
    await pair.compareState('opened');
    pair.now += 400;
    expect(await call('success')).toBe(false);
    pair.now += 600;
    await pair.admit('probe-1', 300);
    await pair.admit('probe-2', 300);
    await pair.admit('waiter', 300);
    await pair.compareState('half-open with two probes');
    pair.now += 300;
    await pair.compareState('probe leases expired');
    await pair.settle('probe-1', 'success', 'w1');
    expect(await call('success')).toBe(true);
    await pair.compareState('one probe success');
    await call('failure');
    await pair.compareState('probe failed: open again');
    pair.now += 1000;
    expect(await call('success')).toBe(true);
    expect(await call('success')).toBe(true);
    await pair.compareState('closed by probe successes');
    await pair.forceOpen(5000);
    await pair.compareState('forced open');
    await pair.reset();
    await pair.compareState('reset');
  });

  it('opens on the slow-call rate, slow successes included, and only in the window', async () => {
    const pair = new Pair(settingsFor({ mode: 'rate', failureRate: 1, slowCallRate: 0.5 }));
    let n = 0;
    const call = async (outcome: BreakerOutcome, slow: boolean) => {
      const id = `s${++n}`;
      await pair.admit(id, 500);
      return pair.settle(id, outcome, 'w1', slow);
    };
    await call('success', true);
    pair.now += 5000;
    await call('success', false);
    await call('failure', false);
    expect((await call('success', true)).transition).toBeUndefined();
    await pair.compareState('one slow call in the window');
    const opened = await call('success', true);
    expect(opened.transition).toMatchObject({ from: 'CLOSED', to: 'OPEN', reason: 'slow_call_rate' });
    await pair.compareState('opened by slow calls');
  });

  it.each([
    ['consecutive', {}],
    ['consecutive with two distinct workers required', { minDistinctWorkers: 2 }],
    ['rate', { mode: 'rate' as const }],
    ['probabilistic half-open', { halfOpenProbability: 0.5 }],
    ['rate with a slow-call rate', { mode: 'rate' as const, slowCallRate: 0.4 }],
  ])('agrees on 1000 random events (%s)', async (_, overrides) => {
    const pair = new Pair(settingsFor(overrides));
    const random = seededRandom(20261122);
    const open: string[] = [];
    let n = 0;
    for (let step = 0; step < 1000; step++) {
      const roll = random();
      if (roll < 0.45) {
        const id = `r${++n}`;
        const decision = await pair.admit(id, 200 + Math.floor(random() * 800), random());
        if (decision.admitted) open.push(id);
      } else if (roll < 0.85 && open.length > 0) {
        const id = open.splice(Math.floor(random() * open.length), 1)[0]!;
        const outcomes: BreakerOutcome[] = [
          'success',
          'success',
          'failure',
          'failure',
          'rate_limited',
          'neutral',
        ];
        const outcome = outcomes[Math.floor(random() * outcomes.length)]!;
        const workerId = `w${Math.floor(random() * 3)}`;
        // A slow call is drawn only where it counts, so the other cases keep their event sequences.
        const slow = pair.settings.slowCallRate > 0 && random() < 0.3;
        await pair.settle(id, outcome, workerId, slow);
      } else if (roll < 0.97) {
        pair.now += Math.floor(random() * 400);
      } else if (roll < 0.985) {
        await pair.forceOpen(500 + Math.floor(random() * 1000));
      } else {
        await pair.reset();
      }
      if (step % 5 === 0) await pair.compareState(`step ${step}`);
    }
    await pair.compareState('end');
    expect([...pair.seen]).toEqual(
      expect.arrayContaining([
        'CLOSED',
        'OPEN',
        'HALF_OPEN',
        'CLOSED->OPEN',
        'OPEN->HALF_OPEN',
        'HALF_OPEN->CLOSED',
        'HALF_OPEN->OPEN',
      ]),
    );
  });
});
