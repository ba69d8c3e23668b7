/**
 * A task's ledger: its current state and the audit trail of every transition.
 *
 * Pure and deterministic (the clock is injected), so the workflow can keep it in its state.
 */
import type { FailureReason, LedgerEntry, LedgerSnapshot, LedgerState } from './task';

/** The memo field a finished task keeps its `LedgerTimes` in, for the ledger statistics. */
export const LEDGER_TIMES_MEMO = 'ledgerTimes';

/** How long a task spent in each state it left, and how many times it retried. */
export interface LedgerTimes {
  /** Milliseconds in each state, summed over every visit; states never left are not counted. */
  msInState: Partial<Record<LedgerState, number>>;
  /** Transitions to RETRY. */
  retries: number;
}

/**
 * The `LedgerTimes` of an audit trail. `queuedSince` (ISO-8601) replaces the first entry's time: the
 * workflow's start, so the time QUEUED includes the wait for a worker.
 */
export function ledgerTimes(entries: readonly LedgerEntry[], queuedSince?: string): LedgerTimes {
  const msInState: Partial<Record<LedgerState, number>> = {};
  for (let index = 0; index + 1 < entries.length; index++) {
    const entry = entries[index]!;
    const since = index === 0 && queuedSince !== undefined ? queuedSince : entry.at;
    const ms = Math.max(0, Date.parse(entries[index + 1]!.at) - Date.parse(since));
    msInState[entry.to] = (msInState[entry.to] ?? 0) + ms;
  }
  return { msInState, retries: entries.filter((entry) => entry.to === 'RETRY').length };
}

/**
 * True for the happy path's trail, `QUEUED → RUNNING → DONE`: its times need no memo, they follow
 * from the time it waited `QUEUED` and its start and close times (`straightToDoneTimes`).
 */
export function isStraightToDone(entries: readonly LedgerEntry[]): boolean {
  return entries.map((entry) => entry.to).join() === 'QUEUED,RUNNING,DONE';
}

/** The `LedgerTimes` of a task that went straight to `DONE`, from how long it waited `QUEUED` and ran in all. */
export function straightToDoneTimes(queuedMs: number, totalMs: number): LedgerTimes {
  return { msInState: { QUEUED: queuedMs, RUNNING: Math.max(0, totalMs - queuedMs) }, retries: 0 };
}

const ALLOWED: Readonly<Record<LedgerState, readonly LedgerState[]>> = {
  QUEUED: ['RUNNING', 'FAILED'],
  RUNNING: ['RETRY', 'BLOCKED', 'DONE', 'FAILED'],
  // A lost "retry started" report leaves the ledger in RETRY while the next attempt runs.
  RETRY: ['RUNNING', 'BLOCKED', 'DONE', 'FAILED'],
  BLOCKED: ['RUNNING', 'FAILED'],
  DONE: [],
  FAILED: [],
};

/** Thrown for a transition the state machine does not allow. */
export class InvalidLedgerTransitionError extends Error {
  constructor(
    readonly from: LedgerState,
    readonly to: LedgerState,
  ) {
    super(`ledger cannot move from ${from} to ${to}`);
    this.name = 'InvalidLedgerTransitionError';
  }
}

/** What a transition records besides its target state. */
export interface TransitionInfo {
  reason: string;
  attempt?: number;
  errorType?: string;
  nextDelayMs?: number;
  provider?: string;
  failureReason?: FailureReason;
  /** The answer was recovered from an earlier attempt whose completion was lost (see `LedgerEntry.recovered`). */
  recovered?: true;
}

export function isTerminal(state: LedgerState): boolean {
  return ALLOWED[state].length === 0;
}

export class Ledger {
  private readonly trail: LedgerEntry[] = [];
  private current: LedgerState = 'QUEUED';
  private attemptCount = 0;
  private failure: FailureReason | undefined;

  constructor(
    private readonly clock: () => Date = () => new Date(),
    initialReason = 'submitted',
  ) {
    this.trail.push({
      at: this.clock().toISOString(),
      from: null,
      to: 'QUEUED',
      reason: initialReason,
      attempt: 0,
    });
  }

  get state(): LedgerState {
    return this.current;
  }

  /** Attempts that reached (or tried to reach) the provider so far. */
  get attempts(): number {
    return this.attemptCount;
  }

  get entries(): readonly LedgerEntry[] {
    return this.trail;
  }

  canMoveTo(to: LedgerState): boolean {
    return ALLOWED[this.current].includes(to);
  }

  /** Appends a transition to the audit trail; throws `InvalidLedgerTransitionError` when it is not allowed. */
  transition(to: LedgerState, info: TransitionInfo): LedgerEntry {
    if (!this.canMoveTo(to)) throw new InvalidLedgerTransitionError(this.current, to);
    if (info.attempt !== undefined) this.attemptCount = Math.max(this.attemptCount, info.attempt);
    const entry: LedgerEntry = {
      at: this.clock().toISOString(),
      from: this.current,
      to,
      reason: info.reason,
      attempt: this.attemptCount,
    };
    if (info.errorType !== undefined) entry.errorType = info.errorType;
    if (info.nextDelayMs !== undefined) entry.nextDelayMs = info.nextDelayMs;
    if (info.provider !== undefined) entry.provider = info.provider;
    if (info.recovered) entry.recovered = true;
    if (to === 'FAILED') this.failure = info.failureReason ?? (info.reason as FailureReason);
    this.trail.push(entry);
    this.current = to;
    return entry;
  }

  snapshot(): LedgerSnapshot {
    const snapshot: LedgerSnapshot = {
      state: this.current,
      attempts: this.attemptCount,
      entries: this.trail.map((entry) => ({ ...entry })),
    };
    if (this.failure !== undefined) snapshot.failureReason = this.failure;
    return snapshot;
  }
}
