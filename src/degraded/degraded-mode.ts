/**
 * Degraded mode, as every part of Breakwater reads and switches it: cluster-wide state in Redis
 * (`lua/_degraded.lua`), or `guard_unavailable` when Redis cannot be reached. Health and status read
 * `status()`; the CLI switches it with `force()`.
 */
import type { BreakwaterConfig } from '../config';
import type { DegradedReason } from '../errors';
import type { DegradedRecord, DegradedScripts, WaitingCounts } from '../redis/degraded-scripts';
import { PRIORITIES, type Priority } from '../task';

export interface DegradedStatus {
  active: boolean;
  /** Why it is on; null when off. */
  reason: DegradedReason | null;
  /** When it last turned on or off (ISO-8601), when known. */
  since?: string;
  /** An operator forces it on (`breakwater degraded on`). */
  forced: boolean;
  forcedBy?: string;
  /** Submits while degraded are parked (true) or refused with `ServiceDegradedError` (false). */
  readonly: boolean;
  /** `RESILIENCE_ENABLED`: false means no guard, no parking and no shedding. */
  resilienceEnabled: boolean;
  /** Waiting tasks of the task queue (unknown while Redis is unreachable, or without a task queue). */
  waiting?: WaitingCounts;
  /** `DEGRADED_QUEUE_LIMIT`. */
  queueLimit: number;
  /** Cluster-wide: submits shed by priority, refused while degraded, and parked. */
  submits?: { shed: Record<Priority, number>; refusedDegraded: number; parked: number };
}

export interface DegradedModeOptions {
  scripts: DegradedScripts;
  settings: BreakwaterConfig['degraded'];
  resilienceEnabled: boolean;
  /** Whose waiting tasks `status()` counts. */
  taskQueue?: string;
}

export class DegradedMode {
  constructor(private readonly options: DegradedModeOptions) {}

  /** The current status; `active` with reason `guard_unavailable` when Redis cannot be reached. */
  async status(): Promise<DegradedStatus> {
    try {
      return this.statusOf(await this.control('status'));
    } catch {
      return { ...this.base(), active: true, reason: 'guard_unavailable', forced: false };
    }
  }

  /**
   * Forces degraded mode on, or lifts the force (`on: false`): the automatic rule then decides again,
   * so it stays on while every breaker is open. Throws when Redis cannot be reached.
   */
  async force(on: boolean, operator: string): Promise<DegradedStatus & { changed: boolean }> {
    const record = await this.control(on ? 'on' : 'off', operator);
    return { ...this.statusOf(record), changed: record.changed };
  }

  private control(action: 'status' | 'on' | 'off', operator?: string): Promise<DegradedRecord> {
    const { taskQueue } = this.options;
    return this.options.scripts.degradedControl(action, {
      ...(taskQueue !== undefined ? { taskQueue } : {}),
      ...(operator !== undefined ? { operator } : {}),
    });
  }

  private base(): Pick<DegradedStatus, 'readonly' | 'resilienceEnabled' | 'queueLimit'> {
    return {
      readonly: this.options.settings.readonly,
      resilienceEnabled: this.options.resilienceEnabled,
      queueLimit: this.options.settings.queueLimit,
    };
  }

  private statusOf(record: DegradedRecord): DegradedStatus {
    const { stats } = record;
    return {
      ...this.base(),
      active: record.active,
      reason: record.active ? (record.reason as DegradedReason) : null,
      ...(record.since > 0 ? { since: new Date(record.since).toISOString() } : {}),
      forced: record.forced,
      ...(record.forcedBy ? { forcedBy: record.forcedBy } : {}),
      ...(this.options.taskQueue !== undefined ? { waiting: record.waiting } : {}),
      submits: {
        shed: Object.fromEntries(PRIORITIES.map((p) => [p, stats[`shed_${p}`] ?? 0])) as Record<
          Priority,
          number
        >,
        refusedDegraded: stats.refused_degraded ?? 0,
        parked: stats.parked ?? 0,
      },
    };
  }
}
