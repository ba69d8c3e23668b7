/**
 * Keeps a task's ledger inside its workflow: mirrors the state to the `LedgerState` search
 * attribute, answers the ledger query and records the attempt reports the activity signals.
 *
 * The happy path writes one history event of its own: `RUNNING` with `QueuedMs`. `DONE` is not
 * mirrored (a workflow that completed is done: `ExecutionStatus = 'Completed'`), and a task that
 * went straight `QUEUED → RUNNING → DONE` keeps no memo: its time in each state follows from
 * `QueuedMs` and its start and close times. Any other task that ends keeps its time in each state
 * in its memo, which visibility lists return (the ledger statistics read both).
 */
import {
  defineQuery,
  defineSignal,
  proxySinks,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  LEDGER_TIMES_MEMO,
  Ledger,
  isStraightToDone,
  isTerminal,
  ledgerTimes,
  type TransitionInfo,
} from '../src/ledger';
import { LedgerStateKey, ProviderKey, QueuedMsKey } from '../src/search-attributes';
import {
  TaskMessages,
  type AttemptFailedReport,
  type AttemptStartedReport,
  type LedgerSnapshot,
  type LedgerState,
  type TaskLogSinks,
  type TaskMeta,
} from '../src/task';

const { breakwaterLog } = proxySinks<TaskLogSinks>();

export const ledgerQuery = defineQuery<LedgerSnapshot>(TaskMessages.ledgerQuery);
export const attemptFailedSignal = defineSignal<[AttemptFailedReport]>(TaskMessages.attemptFailedSignal);
export const attemptStartedSignal = defineSignal<[AttemptStartedReport]>(TaskMessages.attemptStartedSignal);

export class LedgerTracker {
  readonly ledger = new Ledger();

  constructor(
    private readonly meta: TaskMeta,
    /** The provider the task is on; a switch (fallback) is mirrored to the `Provider` search attribute. */
    private provider: string,
  ) {}

  /** Registers the query and the attempt-report signals on the current workflow. */
  install(): this {
    setHandler(ledgerQuery, () => this.ledger.snapshot());
    setHandler(attemptFailedSignal, (report) => this.onAttemptFailed(report));
    setHandler(attemptStartedSignal, (report) => this.onAttemptStarted(report));
    return this;
  }

  get state(): LedgerState {
    return this.ledger.state;
  }

  snapshot(): LedgerSnapshot {
    return this.ledger.snapshot();
  }

  /** Records a transition, mirrors it to the search attributes and logs it. Terminal states are final. */
  move(to: LedgerState, info: TransitionInfo): void {
    if (isTerminal(this.ledger.state)) return;
    const entry = this.ledger.transition(to, info);
    const switched = to === 'RUNNING' && info.provider !== undefined && info.provider !== this.provider;
    if (switched) this.provider = info.provider!;
    const queuedSince = workflowInfo().startTime;
    if (to !== 'DONE') {
      upsertSearchAttributes([
        { key: LedgerStateKey, value: to },
        ...(entry.from === 'QUEUED'
          ? [{ key: QueuedMsKey, value: Math.max(0, Date.parse(entry.at) - queuedSince.getTime()) }]
          : []),
        ...(switched ? [{ key: ProviderKey, value: this.provider }] : []),
      ]);
    }
    if (isTerminal(to) && !isStraightToDone(this.ledger.entries)) {
      upsertMemo({ [LEDGER_TIMES_MEMO]: ledgerTimes(this.ledger.entries, queuedSince.toISOString()) });
    }
    breakwaterLog.info('ledger transition', {
      idempotencyKey: this.meta.idempotencyKey,
      operation: this.meta.operation,
      from: entry.from,
      to: entry.to,
      reason: entry.reason,
      attempt: entry.attempt,
      errorType: entry.errorType,
      nextDelayMs: entry.nextDelayMs,
      provider: entry.provider,
      recovered: entry.recovered,
    });
  }

  private onAttemptFailed(report: AttemptFailedReport): void {
    if (this.ledger.state !== 'RUNNING') return;
    this.move('RETRY', {
      reason: 'attempt_failed',
      attempt: report.attempt,
      errorType: report.errorType,
      nextDelayMs: report.nextDelayMs,
      provider: report.provider,
    });
  }

  private onAttemptStarted(report: AttemptStartedReport): void {
    if (report.attempt <= this.ledger.attempts) return;
    if (this.ledger.state === 'RUNNING') {
      // The failure of the previous attempt was not reported (a server-side timeout, or a lost signal).
      this.move('RETRY', { reason: 'attempt_failed', attempt: report.attempt - 1, errorType: 'unreported' });
    }
    if (this.ledger.state === 'RETRY') {
      this.move('RUNNING', { reason: 'retry_started', attempt: report.attempt, provider: report.provider });
    }
  }
}
