import { describe, expect, it } from 'vitest';
import {
  FaultPlan,
  seededRandom,
  validateFaultRule,
  type Fault,
  type FaultRule,
} from '../../src/testing/fake-faults';

const CALL = { lastUserMessage: 'hello' };
const E503: Fault = { kind: 'status', status: 503 };
const E429: Fault = { kind: 'status', status: 429, retryAfterSec: 2 };
const RESET: Fault = { kind: 'reset' };

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

/** A random source that returns the given values in turn and counts its draws. */
function scriptedRandom(values: number[]) {
  let index = 0;
  return {
    random: () => {
      const value = values[index % values.length] ?? 0;
      index += 1;
      return value;
    },
    draws: () => index,
  };
}

function plan(options: { clock?: () => number; random?: () => number } = {}): FaultPlan {
  return new FaultPlan(options.clock ?? (() => 0), options.random ?? (() => 0));
}

function nextN(faults: FaultPlan, n: number, call = CALL): Array<Fault | undefined> {
  return Array.from({ length: n }, () => faults.next(call));
}

describe('FaultPlan', () => {
  it('gives no fault without rules', () => {
    expect(plan().next(CALL)).toBeUndefined();
  });

  it('applies a rule without times to every call', () => {
    const faults = plan();
    faults.add({ fault: E503 });
    expect(nextN(faults, 5)).toEqual([E503, E503, E503, E503, E503]);
  });

  it('consumes a counted rule and then drops it', () => {
    const faults = plan();
    faults.add({ fault: E503, times: 2 });
    expect(nextN(faults, 3)).toEqual([E503, E503, undefined]);
  });

  it('falls through to the next rule once a counted rule is used up', () => {
    const faults = plan();
    faults.add({ fault: E429, times: 1 });
    faults.add({ fault: RESET, times: 2 });
    expect(nextN(faults, 4)).toEqual([E429, RESET, RESET, undefined]);
  });

  it('does not change the rule it was given', () => {
    const faults = plan();
    const rule: FaultRule = { fault: E503, times: 1 };
    faults.add(rule);
    faults.next(CALL);
    expect(rule).toEqual({ fault: E503, times: 1 });
  });

  it('applies the first matching rule in the order they were added', () => {
    const faults = plan();
    faults.add({ fault: RESET });
    faults.add({ fault: E503 });
    expect(nextN(faults, 2)).toEqual([RESET, RESET]);
  });

  it('does not consume a later counted rule while an earlier one matches', () => {
    const faults = plan();
    faults.add({ fault: E429, contentIncludes: '[rate]' });
    faults.add({ fault: E503, times: 1 });
    expect(faults.next({ lastUserMessage: 'please [rate] me' })).toEqual(E429);
    expect(faults.next({ lastUserMessage: 'please [rate] me' })).toEqual(E429);
    expect(faults.next(CALL)).toEqual(E503);
    expect(faults.next(CALL)).toBeUndefined();
  });

  it('matches only calls whose last user message contains the marker', () => {
    const faults = plan();
    faults.add({ fault: E503, contentIncludes: '[fail-503]' });
    expect(faults.next({ lastUserMessage: 'ordinary question' })).toBeUndefined();
    expect(faults.next({ lastUserMessage: 'question [fail-503] here' })).toEqual(E503);
    expect(faults.next({ lastUserMessage: '[FAIL-503]' })).toBeUndefined();
  });

  it('does not consume a counted rule for a call it does not match', () => {
    const faults = plan();
    faults.add({ fault: E503, contentIncludes: 'marker', times: 1 });
    expect(nextN(faults, 3, { lastUserMessage: 'other' })).toEqual([undefined, undefined, undefined]);
    expect(faults.next({ lastUserMessage: 'marker' })).toEqual(E503);
    expect(faults.next({ lastUserMessage: 'marker' })).toBeUndefined();
  });

  it('applies a rule when the random draw is below its probability', () => {
    const { random, draws } = scriptedRandom([0.1, 0.5, 0.29, 0.3, 0.99]);
    const faults = plan({ random });
    faults.add({ fault: E503, probability: 0.3 });
    expect(nextN(faults, 5)).toEqual([E503, undefined, E503, undefined, undefined]);
    expect(draws()).toBe(5);
  });

  it('never applies a rule with probability 0 and always one with probability 1', () => {
    const zero = plan({ random: () => 0 });
    zero.add({ fault: E503, probability: 0 });
    expect(zero.next(CALL)).toBeUndefined();
    const one = plan({ random: () => 0.9999999 });
    one.add({ fault: E503, probability: 1 });
    expect(one.next(CALL)).toEqual(E503);
  });

  it('draws no random number for rules without a probability', () => {
    const { random, draws } = scriptedRandom([0.5]);
    const faults = plan({ random });
    faults.add({ fault: E503 });
    nextN(faults, 3);
    expect(draws()).toBe(0);
  });

  it('does not consume a counted rule when the probability draw skips it', () => {
    const { random } = scriptedRandom([0.9, 0.9, 0.1, 0.1]);
    const faults = plan({ random });
    faults.add({ fault: E503, probability: 0.5, times: 1 });
    expect(nextN(faults, 4)).toEqual([undefined, undefined, E503, undefined]);
  });

  it('applies a windowed rule only from `from` (inclusive) until `until` (exclusive)', () => {
    const time = manualClock(1000);
    const faults = plan({ clock: time.clock });
    faults.add({ fault: E503, from: 2000, until: 3000 });
    expect(faults.next(CALL)).toBeUndefined();
    time.advance(999);
    expect(faults.next(CALL)).toBeUndefined();
    time.advance(1);
    expect(faults.next(CALL)).toEqual(E503);
    time.advance(999);
    expect(faults.next(CALL)).toEqual(E503);
    time.advance(1);
    expect(faults.next(CALL)).toBeUndefined();
  });

  it('drops an expired rule for good, also if the clock goes back', () => {
    const time = manualClock(5000);
    const faults = plan({ clock: time.clock });
    faults.add({ fault: E503, until: 5001 });
    time.advance(1);
    expect(faults.next(CALL)).toBeUndefined();
    time.advance(-1);
    expect(faults.next(CALL)).toBeUndefined();
  });

  it('lets a later rule apply once an earlier window has closed', () => {
    const time = manualClock(0);
    const faults = plan({ clock: time.clock });
    faults.add({ fault: RESET, until: 100 });
    faults.add({ fault: E503 });
    expect(faults.next(CALL)).toEqual(RESET);
    time.advance(100);
    expect(faults.next(CALL)).toEqual(E503);
  });

  it('outage() fails every call with 503 for the given duration from now', () => {
    const time = manualClock(10_000);
    const faults = plan({ clock: time.clock });
    faults.outage(5000);
    expect(nextN(faults, 3)).toEqual([E503, E503, E503]);
    time.advance(4999);
    expect(faults.next(CALL)).toEqual(E503);
    time.advance(1);
    expect(faults.next(CALL)).toBeUndefined();
  });

  it('outage() takes another fault', () => {
    const time = manualClock(0);
    const faults = plan({ clock: time.clock });
    faults.outage(1000, { kind: 'hang' });
    expect(faults.next(CALL)).toEqual({ kind: 'hang' });
  });

  it('clear() removes every rule', () => {
    const faults = plan();
    faults.add({ fault: E503 });
    faults.add({ fault: RESET, times: 3 });
    faults.outage(1000);
    faults.clear();
    expect(nextN(faults, 2)).toEqual([undefined, undefined]);
    faults.add({ fault: E429 });
    expect(faults.next(CALL)).toEqual(E429);
  });

  it('refuses an invalid rule and keeps the plan unchanged', () => {
    const faults = plan();
    expect(() => faults.add({ fault: E503, times: 0 })).toThrow(RangeError);
    expect(faults.next(CALL)).toBeUndefined();
  });
});

describe('validateFaultRule', () => {
  it.each<[string, FaultRule]>([
    ['a status', { fault: { kind: 'status', status: 500, retryAfterSec: 1, code: 'x' } }],
    ['a latency of zero', { fault: { kind: 'latency', latencyMs: 0 } }],
    ['a hang', { fault: { kind: 'hang' } }],
    ['a malformed body', { fault: { kind: 'malformed' } }],
    ['a reset', { fault: { kind: 'reset' }, times: 1, probability: 0 }],
    ['probability 1', { fault: { kind: 'reset' }, probability: 1 }],
    ['a content-filter stop', { fault: { kind: 'content_filter' }, times: 1 }],
    ['a refusal', { fault: { kind: 'refusal' }, contentIncludes: '[refuse]' }],
    ['a 400 that echoes the request', { fault: { kind: 'status', status: 400, echo: true } }],
  ])('accepts %s and returns the rule', (_label, rule) => {
    expect(validateFaultRule(rule)).toBe(rule);
  });

  it.each<[string, unknown, string]>([
    ['no rule', undefined, 'fault:'],
    ['no fault', {}, 'fault:'],
    ['a fault that is not an object', { fault: 'boom' }, 'fault:'],
    ['an unknown kind', { fault: { kind: 'explode' } }, 'fault.kind:'],
    ['a status below 100', { fault: { kind: 'status', status: 99 } }, 'fault.status:'],
    ['a status above 599', { fault: { kind: 'status', status: 600 } }, 'fault.status:'],
    ['a fractional status', { fault: { kind: 'status', status: 503.5 } }, 'fault.status:'],
    ['a missing status', { fault: { kind: 'status' } }, 'fault.status:'],
    ['an echo that is not a boolean', { fault: { kind: 'status', status: 400, echo: 'yes' } }, 'fault.echo:'],
    ['a negative latency', { fault: { kind: 'latency', latencyMs: -1 } }, 'fault.latencyMs:'],
    ['a missing latency', { fault: { kind: 'latency' } }, 'fault.latencyMs:'],
    ['zero times', { fault: E503, times: 0 }, 'times:'],
    ['fractional times', { fault: E503, times: 1.5 }, 'times:'],
    ['a probability above 1', { fault: E503, probability: 1.1 }, 'probability:'],
    ['a negative probability', { fault: E503, probability: -0.1 }, 'probability:'],
    ['a NaN probability', { fault: E503, probability: Number.NaN }, 'probability:'],
  ])('refuses %s with a RangeError naming the field', (_label, rule, field) => {
    let thrown: unknown;
    try {
      validateFaultRule(rule as FaultRule);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as RangeError).message.startsWith(field)).toBe(true);
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 20 }, a);
    expect(Array.from({ length: 20 }, b)).toEqual(first);
  });

  it('gives a different sequence for another seed', () => {
    const a = Array.from({ length: 5 }, seededRandom(1));
    const b = Array.from({ length: 5 }, seededRandom(2));
    expect(a).not.toEqual(b);
  });

  it('stays in [0, 1) and is spread over the interval', () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 2000 }, random);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
    const below = values.filter((value) => value < 0.5).length;
    expect(below).toBeGreaterThan(800);
    expect(below).toBeLessThan(1200);
    expect(new Set(values).size).toBeGreaterThan(1990);
  });

  it('makes a probabilistic plan reproducible', () => {
    const run = () => {
      const faults = new FaultPlan(() => 0, seededRandom(123));
      faults.add({ fault: E503, probability: 0.5 });
      return nextN(faults, 30)
        .map((fault) => (fault ? 'F' : '.'))
        .join('');
    };
    const first = run();
    expect(run()).toBe(first);
    expect(first).toContain('F');
    expect(first).toContain('.');
  });
});
