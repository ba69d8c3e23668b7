/**
 * How `breakwater budget …` shows budgets: the scope table with its notes, the change `set` made,
 * and JSON. Money is shown in USD (`unit: "usd"` in JSON); `limit` 0 means no limit and, in JSON,
 * `remaining` is null when the scope is unlimited.
 */
import type { BudgetSubject, ScopeStatus, TokenManager } from '../../budget/token-manager';
import type { BreakwaterConfig } from '../../config';
import { formatTable } from '../../format-table';
import { formatUsd, microsToUsd } from '../../money';
import { operatorName, type FieldSpec } from '../budget-fields';
import { toJson } from './format';

/** What `TokenManager.show` answers for a subject. */
export type BudgetShown = Awaited<ReturnType<TokenManager['show']>>;

interface ShownScope {
  scope: ScopeStatus['scope'];
  unit: 'usd' | 'tokens' | 'calls';
  /** 0: no limit. */
  limit: number;
  spent: number;
  reserved: number;
  /** null: unlimited. */
  remaining: number | null;
}

/** What `show` prints with `--json`. */
export interface BudgetShowJson {
  runId: string | null;
  turn?: string;
  operation?: string;
  scopes: ShownScope[];
  overrides: Record<string, number>;
}

/** Overrides by operator name, money in USD, sorted by name. */
function overridesOf(stored: Record<string, number>): Record<string, number> {
  const entries = Object.entries(stored).map(([field, value]): [string, number] => {
    const { name, money } = operatorName(field);
    return [name, money ? microsToUsd(value) : value];
  });
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A scope's unit as the CLI shows it: money in USD. */
function shownUnit(unit: ScopeStatus['unit']): ShownScope['unit'] {
  return unit === 'micro_usd' ? 'usd' : unit;
}

function shownScope(status: ScopeStatus): ShownScope {
  const money = status.unit === 'micro_usd';
  const amount = (value: number) => (money ? microsToUsd(value) : value);
  return {
    scope: status.scope,
    unit: shownUnit(status.unit),
    limit: amount(status.limit),
    spent: amount(status.spent),
    reserved: amount(status.reserved),
    remaining: status.limit > 0 ? amount(status.remaining) : null,
  };
}

const TABLE_HEADER = ['scope', 'unit', 'limit', 'spent', 'reserved', 'remaining'];

function scopeRow(status: ScopeStatus): string[] {
  const money = status.unit === 'micro_usd';
  const amount = (value: number) => (money ? formatUsd(value) : String(value));
  const unlimited = status.limit <= 0;
  // The operation scope is a per-call ceiling: it keeps no running total.
  const perCall = status.scope === 'operation';
  return [
    status.scope,
    shownUnit(status.unit),
    unlimited ? 'unlimited' : amount(status.limit),
    perCall ? '-' : amount(status.spent),
    perCall ? '-' : amount(status.reserved),
    unlimited ? 'unlimited' : amount(status.remaining),
  ];
}

/** The subject line above the table. */
function describeSubject(subject: BudgetSubject): string {
  const operation = subject.operation
    ? `operation ${subject.operation}`
    : "operation: the operations' default ceiling";
  if (subject.runId === undefined) return `no run given: operation and daily scopes only; ${operation}`;
  const turn = subject.turn === undefined ? '' : `, turn ${subject.turn}`;
  return `run ${subject.runId}${turn}; ${operation}`;
}

/** The run scope's limit when it is not the global one: that run has its own ceiling. */
function ownRunCeiling(config: BreakwaterConfig, { scopes, overrides }: BudgetShown): number | undefined {
  const run = scopes.find((scope) => scope.scope === 'run');
  if (!run) return undefined;
  const global = overrides.run ?? config.budget.ceilings.runMicros;
  return run.limit === global ? undefined : run.limit;
}

/** What the table cannot say: scopes that keep no total, or keep one only under a cap. */
function notes(scopes: readonly ScopeStatus[]): string[] {
  const lines: string[] = [];
  if (scopes.some((scope) => scope.scope === 'operation')) {
    lines.push('(operation: the most one call may cost; it keeps no running total)');
  }
  if (scopes.some((scope) => scope.scope === 'daily' && scope.limit <= 0)) {
    lines.push(
      "(daily: while no daily cap is set, calls admitted by workers are not added to the day's total)",
    );
  }
  return lines;
}

/** What `show` prints: the subject, the scope table, the ceilings in force and notes. */
export function formatShow(config: BreakwaterConfig, subject: BudgetSubject, shown: BudgetShown): string {
  const overrides = Object.entries(overridesOf(shown.overrides)).map(([name, value]) => `${name} ${value}`);
  const own = ownRunCeiling(config, shown);
  return [
    describeSubject(subject),
    '',
    formatTable([TABLE_HEADER, ...shown.scopes.map(scopeRow)]),
    '',
    ...(own === undefined ? [] : [`run ${subject.runId} has its own ceiling: run-usd ${formatUsd(own)}`]),
    `ceiling overrides: ${overrides.length > 0 ? overrides.join(', ') : 'none (configured defaults)'}`,
    ...notes(shown.scopes),
  ].join('\n');
}

/** What `show --json` prints. */
export function formatShowJson(subject: BudgetSubject, shown: BudgetShown): string {
  const result: BudgetShowJson = {
    runId: subject.runId ?? null,
    ...(subject.turn === undefined ? {} : { turn: subject.turn }),
    ...(subject.operation === undefined ? {} : { operation: subject.operation }),
    scopes: shown.scopes.map(shownScope),
    overrides: overridesOf(shown.overrides),
  };
  return toJson(result);
}

function formatCeiling(spec: FieldSpec, amount: number): string {
  return amount <= 0 ? 'unlimited' : spec.money ? `${formatUsd(amount)} USD` : String(amount);
}

/** The line `set` prints above the table: `run-usd for run r1: 5 USD -> 0.5 USD`. */
export function formatChange(
  spec: FieldSpec,
  runId: string | undefined,
  before: number,
  after: number,
): string {
  const target = runId === undefined ? spec.name : `${spec.name} for run ${runId}`;
  return `${target}: ${formatCeiling(spec, before)} -> ${formatCeiling(spec, after)}`;
}
