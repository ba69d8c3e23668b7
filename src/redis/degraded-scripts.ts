/**
 * The typed boundary to the degraded-mode scripts: the submit gate (`submit-gate-1.lua`), degraded
 * mode's status and switch (`degraded-control-1.lua`) and the waiting tasks (`waiting-1.lua`). One
 * call here is one Redis round trip.
 */
import type { RedisConnection } from './connection';
import { commandsOf, type BreakwaterCommands } from './function-library';
import type { KeySpace } from './keys';

/** What the gate decided for one submit. */
export type SubmitDecision = 'started' | 'parked' | 'degraded' | 'overloaded';

export interface SubmitGateCall {
  taskQueue: string;
  workflowId: string;
  priority: string;
  /** Refused past `limit` (low and normal priorities). */
  sheddable: boolean;
  limit: number;
  /** Park while degraded (true) or refuse (false). */
  readonly: boolean;
  /** The task's own provider, then its fallbacks. */
  providers: readonly string[];
  /** Tests only: a clock instead of Redis time. */
  clock?: number;
}

export interface SubmitGateReply {
  decision: SubmitDecision;
  /** Why it was parked or refused ('' when started). */
  reason: string;
  /** Waiting tasks (queued + blocked) of the task queue, this one included when it was accepted. */
  waiting: number;
  /** Until the first of the task's breakers may half-open; 0 when not known. */
  retryAfterMs: number;
}

/** Waiting tasks of a task queue, by ledger state. */
export interface WaitingCounts {
  QUEUED: number;
  BLOCKED: number;
}

/** Degraded mode as Redis holds it. */
export interface DegradedRecord {
  active: boolean;
  /** `forced`, `all_breakers_open`, or '' when off. */
  reason: string;
  /** When it last turned on or off (epoch ms; 0 = never). */
  since: number;
  forced: boolean;
  forcedBy: string | null;
  /** This call turned it on or off. */
  changed: boolean;
  waiting: WaitingCounts;
  /** Cluster-wide submit counters: `shed_<priority>`, `refused_degraded`, `parked`. */
  stats: Record<string, number>;
}

export interface ReconcileResult {
  before: WaitingCounts;
  after: WaitingCounts;
  removed: number;
  added: number;
}

/** cjson encodes an empty table as an array. */
const objectOf = <T extends object>(value: T | []): T | Record<string, never> =>
  Array.isArray(value) ? {} : value;

export class DegradedScripts {
  private readonly commands: BreakwaterCommands;

  constructor(
    readonly redis: RedisConnection,
    readonly keys: KeySpace,
  ) {
    this.commands = commandsOf(redis);
  }

  async submitGate(call: SubmitGateCall): Promise<SubmitGateReply> {
    const [decision, reason, waiting, retryAfterMs] = await this.commands.submitGate(
      this.keys.slot(),
      call.clock ?? '',
      call.taskQueue,
      call.workflowId,
      call.priority,
      call.sheddable ? 1 : 0,
      call.limit,
      call.readonly ? 1 : 0,
      ...call.providers,
    );
    return {
      decision: decision as SubmitDecision,
      reason,
      waiting: Number(waiting),
      retryAfterMs: Number(retryAfterMs),
    };
  }

  /** Degraded mode's status (`status`), or the operator's switch (`on`, `off`). */
  async degradedControl(
    action: 'status' | 'on' | 'off',
    options: { taskQueue?: string; operator?: string; clock?: number } = {},
  ): Promise<DegradedRecord> {
    const record = JSON.parse(
      await this.commands.degradedControl(
        this.keys.slot(),
        action,
        options.clock ?? '',
        options.taskQueue ?? '',
        options.operator ?? '',
      ),
    ) as DegradedRecord & { stats: DegradedRecord['stats'] | [] };
    return { ...record, stats: objectOf(record.stats) };
  }

  /** The task ended: it no longer counts as waiting. */
  async forgetWaiting(taskQueue: string, workflowId: string): Promise<ReconcileResult> {
    return JSON.parse(
      await this.commands.waiting(this.keys.slot(), 'forget', '', taskQueue, workflowId),
    ) as ReconcileResult;
  }

  /**
   * Reconciles the waiting tasks of `taskQueue` with `open`, every open task as visibility lists it
   * (workflow id and `LedgerState`); members younger than `graceMs` are kept.
   */
  async reconcileWaiting(
    taskQueue: string,
    graceMs: number,
    open: ReadonlyArray<readonly [workflowId: string, ledgerState: string]>,
  ): Promise<ReconcileResult> {
    return JSON.parse(
      await this.commands.waiting(this.keys.slot(), 'reconcile', '', taskQueue, graceMs, ...open.flat()),
    ) as ReconcileResult;
  }
}
