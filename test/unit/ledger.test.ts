import { describe, expect, it } from 'vitest';
import {
  InvalidLedgerTransitionError,
  Ledger,
  isStraightToDone,
  isTerminal,
  ledgerTimes,
  straightToDoneTimes,
} from '../../src/ledger';
import { LEDGER_STATES, type LedgerState } from '../../src/task';

const START = Date.parse('2025-03-01T12:00:00.000Z');

/** A clock that starts at START and moves one second forward on every reading. */
function steppingClock(): { clock: () => Date; readings: () => number } {
  let calls = 0;
  return {
    clock: () => new Date(START + 1000 * calls++),
    readings: () => calls,
  };
}

function iso(offsetSeconds: number): string {
  return new Date(START + offsetSeconds * 1000).toISOString();
}

/** Shortest path from QUEUED to each state, so any transition can be tested from any source state. */
const PATH_TO: Record<LedgerState, LedgerState[]> = {
  QUEUED: [],
  RUNNING: ['RUNNING'],
  RETRY: ['RUNNING', 'RETRY'],
  BLOCKED: ['RUNNING', 'BLOCKED'],
  DONE: ['RUNNING', 'DONE'],
  FAILED: ['FAILED'],
};

function ledgerIn(state: LedgerState): Ledger {
  const ledger = new Ledger(steppingClock().clock);
  for (const step of PATH_TO[state]) ledger.transition(step, { reason: `to_${step}` });
  expect(ledger.state).toBe(state);
  return ledger;
}

const ALLOWED: ReadonlyArray<[LedgerState, LedgerState]> = [
  ['QUEUED', 'RUNNING'],
  ['QUEUED', 'FAILED'],
  ['RUNNING', 'RETRY'],
  ['RUNNING', 'BLOCKED'],
  ['RUNNING', 'DONE'],
  ['RUNNING', 'FAILED'],
  ['RETRY', 'RUNNING'],
  ['RETRY', 'BLOCKED'],
  ['RETRY', 'DONE'],
  ['RETRY', 'FAILED'],
  ['BLOCKED', 'RUNNING'],
  ['BLOCKED', 'FAILED'],
];

const FORBIDDEN: Array<[LedgerState, LedgerState]> = LEDGER_STATES.flatMap((from) =>
  LEDGER_STATES.filter((to) => !ALLOWED.some(([a, b]) => a === from && b === to)).map(
    (to): [LedgerState, LedgerState] => [from, to],
  ),
);

describe('Ledger', () => {
  it('starts QUEUED with one entry stamped by the injected clock', () => {
    const ledger = new Ledger(() => new Date(START));
    expect(ledger.state).toBe('QUEUED');
    expect(ledger.attempts).toBe(0);
    expect(ledger.entries).toEqual([
      { at: iso(0), from: null, to: 'QUEUED', reason: 'submitted', attempt: 0 },
    ]);
  });

  it('records a custom initial reason', () => {
    const ledger = new Ledger(() => new Date(START), 'replayed_from_dlq');
    expect(ledger.entries[0]?.reason).toBe('replayed_from_dlq');
  });

  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    const ledger = ledgerIn(from);
    expect(ledger.canMoveTo(to)).toBe(true);
    const entry = ledger.transition(to, { reason: 'test' });
    expect(ledger.state).toBe(to);
    expect(entry.from).toBe(from);
    expect(entry.to).toBe(to);
    expect(ledger.entries.at(-1)).toEqual(entry);
  });

  it.each(FORBIDDEN)('forbids %s → %s with InvalidLedgerTransitionError', (from, to) => {
    const ledger = ledgerIn(from);
    const before = ledger.snapshot();
    expect(ledger.canMoveTo(to)).toBe(false);
    let thrown: unknown;
    try {
      ledger.transition(to, { reason: 'test', attempt: 9 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidLedgerTransitionError);
    const error = thrown as InvalidLedgerTransitionError;
    expect(error.from).toBe(from);
    expect(error.to).toBe(to);
    expect(error.name).toBe('InvalidLedgerTransitionError');
    expect(error.message).toBe(`ledger cannot move from ${from} to ${to}`);
    expect(ledger.snapshot()).toEqual(before);
  });

  it('covers every pair of states exactly once between the allowed and forbidden lists', () => {
    expect(ALLOWED.length + FORBIDDEN.length).toBe(LEDGER_STATES.length ** 2);
  });

  it.each(['DONE', 'FAILED'] as const)('treats %s as terminal: no transition leaves it', (state) => {
    expect(isTerminal(state)).toBe(true);
    const ledger = ledgerIn(state);
    for (const to of LEDGER_STATES) {
      expect(ledger.canMoveTo(to)).toBe(false);
      expect(() => ledger.transition(to, { reason: 'late' })).toThrow(InvalidLedgerTransitionError);
    }
    expect(ledger.state).toBe(state);
  });

  it.each(['QUEUED', 'RUNNING', 'RETRY', 'BLOCKED'] as const)('treats %s as non-terminal', (state) => {
    expect(isTerminal(state)).toBe(false);
  });

  it('stamps each entry with the injected clock, reading it once per transition', () => {
    const { clock, readings } = steppingClock();
    const ledger = new Ledger(clock);
    ledger.transition('RUNNING', { reason: 'started', attempt: 1 });
    ledger.transition('DONE', { reason: 'completed' });
    expect(readings()).toBe(3);
    expect(ledger.entries.map((entry) => entry.at)).toEqual([iso(0), iso(1), iso(2)]);
  });

  it('does not read the clock for a refused transition', () => {
    const { clock, readings } = steppingClock();
    const ledger = new Ledger(clock);
    expect(() => ledger.transition('DONE', { reason: 'too early' })).toThrow(InvalidLedgerTransitionError);
    expect(readings()).toBe(1);
  });

  it('carries at, from, to, reason, attempt, errorType, nextDelayMs and provider on a RETRY entry', () => {
    const { clock } = steppingClock();
    const ledger = new Ledger(clock);
    ledger.transition('RUNNING', { reason: 'started', attempt: 1, provider: 'openai' });
    const entry = ledger.transition('RETRY', {
      reason: 'attempt_failed',
      attempt: 1,
      errorType: 'RetryableExternalError',
      nextDelayMs: 1250,
      provider: 'openai',
    });
    expect(entry).toEqual({
      at: iso(2),
      from: 'RUNNING',
      to: 'RETRY',
      reason: 'attempt_failed',
      attempt: 1,
      errorType: 'RetryableExternalError',
      nextDelayMs: 1250,
      provider: 'openai',
    });
  });

  it('marks a DONE entry whose answer was recovered from an earlier attempt', () => {
    const ledger = new Ledger(() => new Date(START));
    ledger.transition('RUNNING', { reason: 'retry_started', attempt: 2 });
    const entry = ledger.transition('DONE', { reason: 'completed', attempt: 1, recovered: true });
    expect(entry).toMatchObject({ to: 'DONE', reason: 'completed', attempt: 2, recovered: true });
  });

  it('omits optional fields that were not given', () => {
    const ledger = new Ledger(() => new Date(START));
    const entry = ledger.transition('RUNNING', { reason: 'started' });
    expect(Object.keys(entry).sort()).toEqual(['at', 'attempt', 'from', 'reason', 'to']);
  });

  it('keeps attempts at the highest attempt seen, also when a lower one is reported later', () => {
    const ledger = new Ledger(() => new Date(START));
    ledger.transition('RUNNING', { reason: 'started', attempt: 1 });
    ledger.transition('RETRY', { reason: 'failed', attempt: 3 });
    expect(ledger.attempts).toBe(3);
    const entry = ledger.transition('RUNNING', { reason: 'late report', attempt: 2 });
    expect(ledger.attempts).toBe(3);
    expect(entry.attempt).toBe(3);
    const withoutAttempt = ledger.transition('BLOCKED', { reason: 'circuit_open' });
    expect(withoutAttempt.attempt).toBe(3);
  });

  it('sets failureReason from the explicit failureReason on FAILED', () => {
    const ledger = ledgerIn('RUNNING');
    ledger.transition('FAILED', {
      reason: 'attempts used up',
      failureReason: 'retries_exhausted',
    });
    expect(ledger.snapshot().failureReason).toBe('retries_exhausted');
    expect(ledger.entries.at(-1)?.reason).toBe('attempts used up');
  });

  it('falls back to the reason as failureReason when none is given', () => {
    const ledger = ledgerIn('BLOCKED');
    ledger.transition('FAILED', { reason: 'circuit_open_timeout' });
    expect(ledger.snapshot().failureReason).toBe('circuit_open_timeout');
  });

  it('has no failureReason until the task fails', () => {
    const ledger = ledgerIn('DONE');
    expect(ledger.snapshot()).not.toHaveProperty('failureReason');
  });

  it('snapshots state, attempts and entries', () => {
    const { clock } = steppingClock();
    const ledger = new Ledger(clock);
    ledger.transition('RUNNING', { reason: 'started', attempt: 1 });
    ledger.transition('FAILED', { reason: 'invalid_input', errorType: 'NonRetryableInputError' });
    expect(ledger.snapshot()).toEqual({
      state: 'FAILED',
      attempts: 1,
      failureReason: 'invalid_input',
      entries: [
        { at: iso(0), from: null, to: 'QUEUED', reason: 'submitted', attempt: 0 },
        { at: iso(1), from: 'QUEUED', to: 'RUNNING', reason: 'started', attempt: 1 },
        {
          at: iso(2),
          from: 'RUNNING',
          to: 'FAILED',
          reason: 'invalid_input',
          attempt: 1,
          errorType: 'NonRetryableInputError',
        },
      ],
    });
  });

  it('returns a snapshot that is a copy: mutating it leaves the ledger unchanged', () => {
    const ledger = ledgerIn('RUNNING');
    const snapshot = ledger.snapshot();
    snapshot.state = 'DONE';
    snapshot.attempts = 99;
    snapshot.entries.push({ at: iso(50), from: 'RUNNING', to: 'DONE', reason: 'forged', attempt: 99 });
    const first = snapshot.entries[0];
    if (first === undefined) throw new Error('snapshot lost its first entry');
    first.reason = 'tampered';
    first.at = iso(99);

    expect(ledger.state).toBe('RUNNING');
    expect(ledger.attempts).toBe(0);
    expect(ledger.entries).toHaveLength(2);
    expect(ledger.entries[0]?.reason).toBe('submitted');
    expect(ledger.entries[0]?.at).toBe(iso(0));
    expect(ledger.snapshot().entries).toHaveLength(2);
  });
});

describe('ledgerTimes', () => {
  it('sums the time of every visit to each state left, from the workflow start, and counts retries', () => {
    const ledger = new Ledger(steppingClock().clock);
    ledger.transition('RUNNING', { reason: 'started' }); // +1 s
    ledger.transition('RETRY', { reason: 'attempt_failed' }); // +2 s
    ledger.transition('RUNNING', { reason: 'retry_started' }); // +3 s
    ledger.transition('BLOCKED', { reason: 'circuit_open' }); // +4 s
    ledger.transition('RUNNING', { reason: 'unblocked' }); // +5 s
    ledger.transition('DONE', { reason: 'completed' }); // +6 s
    expect(ledgerTimes(ledger.entries)).toEqual({
      msInState: { QUEUED: 1000, RUNNING: 3000, RETRY: 1000, BLOCKED: 1000 },
      retries: 1,
    });
    expect(ledgerTimes(ledger.entries, iso(-2)).msInState.QUEUED).toBe(3000);
  });

  it('counts nothing for a task that never left QUEUED', () => {
    expect(ledgerTimes(new Ledger(steppingClock().clock).entries)).toEqual({ msInState: {}, retries: 0 });
  });
});

describe('a task that went straight to DONE', () => {
  it('is only QUEUED → RUNNING → DONE', () => {
    const straight = new Ledger(steppingClock().clock);
    straight.transition('RUNNING', { reason: 'started' });
    expect(isStraightToDone(straight.entries)).toBe(false);
    straight.transition('DONE', { reason: 'completed' });
    expect(isStraightToDone(straight.entries)).toBe(true);

    const retried = new Ledger(steppingClock().clock);
    retried.transition('RUNNING', { reason: 'started' });
    retried.transition('RETRY', { reason: 'attempt_failed' });
    retried.transition('DONE', { reason: 'completed' });
    expect(isStraightToDone(retried.entries)).toBe(false);

    const failed = new Ledger(steppingClock().clock);
    failed.transition('RUNNING', { reason: 'started' });
    failed.transition('FAILED', { reason: 'deadline_exceeded' });
    expect(isStraightToDone(failed.entries)).toBe(false);
  });

  it('has the times ledgerTimes gives its trail, from its queued time and its whole run', () => {
    const ledger = new Ledger(steppingClock().clock);
    ledger.transition('RUNNING', { reason: 'started' }); // +1 s
    ledger.transition('DONE', { reason: 'completed' }); // +2 s
    // Started 2 s before the ledger's first entry: 3 s QUEUED, 1 s RUNNING, 4 s in all.
    expect(straightToDoneTimes(3000, 4000)).toEqual(ledgerTimes(ledger.entries, iso(-2)));
    expect(straightToDoneTimes(3000, 2000).msInState.RUNNING).toBe(0);
  });
});
