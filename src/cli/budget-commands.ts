/**
 * `breakwater budget …`: read and change the shared budgets (in Redis, through `TokenManager`).
 *
 * - `show [--run <id>] [--turn <turn>] [--operation <name>] [--json]`: spent, reserved and remaining
 *   per scope (operation and daily; run with `--run`; the turn's tokens and tool calls with `--turn`),
 *   and the ceiling overrides in force.
 * - `set <field> <value> [--run <id>] [--json]`: changes a ceiling (`default` removes the override)
 *   and shows the result for the subject it affects.
 *
 * The store keeps money in integer micro-dollars; the CLI shows and takes US dollars, with up to 6
 * decimals. In `--json` output money is in USD too (`unit: "usd"`), `limit` 0 means no limit and
 * `remaining` is null when the scope is unlimited.
 */
import type Redis from 'ioredis';
import { PriceBook } from '../budget/pricing';
import {
  TokenManager,
  type BudgetSubject,
  type CeilingField,
  type ScopeStatus,
} from '../budget/token-manager';
import { optionsSchema } from '../client/validation';
import type { BreakwaterConfig } from '../config';
import { formatTable } from '../format-table';
import type { Logger } from '../observability/logger';
import { GuardScripts } from '../redis/guard-scripts';
import type { KeySpace } from '../redis/keys';
import { JSON_FLAG, type Command, type CommandGroup, type FlagSpec, type ParsedArgs } from './args';

/** What the budget commands need from the entry point. */
export interface BudgetCommandContext {
  config: BreakwaterConfig;
  keys: KeySpace;
  /** The Redis connection, opened on first use. */
  redis(): Promise<Redis>;
  /** Writes one block of text (a newline is added) to stdout. */
  print(text: string): void;
  /** Structured log (stderr): operator actions are recorded there. */
  logger: Logger;
}

const MICROS_PER_USD = 1_000_000;
/** The largest USD ceiling `set` takes: its micro-dollars stay exact in Redis and in Lua numbers. */
const MAX_USD = 1_000_000_000;

/** A ceiling as operators name it, and where the store keeps it. */
interface FieldSpec {
  name: string;
  field: CeilingField;
  money: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'run-usd', field: 'run', money: true },
  { name: 'operation-usd', field: 'operation', money: true },
  { name: 'daily-usd', field: 'daily', money: true },
  { name: 'turn-tokens', field: 'turnTokens', money: false },
  { name: 'turn-tool-calls', field: 'turnCalls', money: false },
];

const OPERATION_FIELD = 'operation-usd:';
const STORE_OPERATION_FIELD = 'operation:';
const FIELD_NAMES = [
  'run-usd',
  'operation-usd',
  `${OPERATION_FIELD}<operation>`,
  'daily-usd',
  'turn-tokens',
  'turn-tool-calls',
];

const RUN_FLAG: FlagSpec = { name: 'run', kind: 'string', valueName: 'id', description: 'a run id (runId)' };
const TURN_FLAG: FlagSpec = {
  name: 'turn',
  kind: 'string',
  valueName: 'turn',
  description: "a turn of the run: also shows the turn's tokens and tool calls (needs --run)",
};
const OPERATION_FLAG: FlagSpec = {
  name: 'operation',
  kind: 'string',
  valueName: 'name',
  description: "an operation: shows its own per-call ceiling (default: the operations' ceiling)",
};

/** The client's rules for these names (`options.runId`, `options.turn`, `options.operation`). */
const NAME_SCHEMAS = {
  runId: optionsSchema.shape.runId,
  turn: optionsSchema.shape.turn,
  operation: optionsSchema.shape.operation,
};

/** Checks a run id, turn or operation name as the client does (`options.runId`, …); names `argument`. */
function checkName(value: string, schema: keyof typeof NAME_SCHEMAS, argument: string): string {
  const result = NAME_SCHEMAS[schema].safeParse(value);
  if (!result.success) {
    throw new RangeError(`${argument}: '${value}' ${result.error.issues[0]?.message ?? 'is not valid'}`);
  }
  return value;
}

/** The field argument of `set`: one of FIELD_NAMES. */
function parseField(value: string): FieldSpec {
  const known = FIELDS.find((spec) => spec.name === value);
  if (known) return known;
  if (value.startsWith(OPERATION_FIELD)) {
    const operation = checkName(value.slice(OPERATION_FIELD.length), 'operation', '<field>');
    return { name: value, field: `${STORE_OPERATION_FIELD}${operation}`, money: true };
  }
  throw new RangeError(`<field>: unknown field '${value}' (expected: ${FIELD_NAMES.join(', ')})`);
}

const USD_AMOUNT = /^(\d+)(?:\.(\d{1,6}))?$/;
const COUNT = /^\d+$/;

/**
 * The value argument of `set`: USD (at most 6 decimals) or a whole count, ≥ 0; `default` is null.
 * Returns the amount as the store keeps it (micro-dollars or the count).
 */
function parseValue(value: string, spec: FieldSpec): number | null {
  if (value === 'default') return null;
  if (spec.money) {
    const match = USD_AMOUNT.exec(value);
    if (!match) {
      throw new RangeError(
        `<value>: '${value}' is not an amount of USD >= 0 with at most 6 decimals, nor 'default'`,
      );
    }
    const micros = Number(match[1]) * MICROS_PER_USD + Number((match[2] ?? '').padEnd(6, '0'));
    if (micros > MAX_USD * MICROS_PER_USD) throw new RangeError(`<value>: must be at most ${MAX_USD} USD`);
    return micros;
  }
  if (!COUNT.test(value))
    throw new RangeError(`<value>: '${value}' is not a whole number >= 0, nor 'default'`);
  const count = Number(value);
  if (!Number.isSafeInteger(count)) throw new RangeError(`<value>: '${value}' is too large`);
  return count;
}

/** Micro-dollars as USD for people: up to 6 decimals, no trailing zeros (`0.002368`, `5`). */
function formatUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const magnitude = Math.abs(micros);
  const whole = Math.floor(magnitude / MICROS_PER_USD);
  const fraction = String(magnitude % MICROS_PER_USD)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

const toUsd = (micros: number) => micros / MICROS_PER_USD;

/** A stored ceiling field (`run`, `operation:<name>`, `turnTokens`, …) by its operator name. */
function operatorName(storeField: string): { name: string; money: boolean } {
  if (storeField.startsWith(STORE_OPERATION_FIELD)) {
    return { name: `${OPERATION_FIELD}${storeField.slice(STORE_OPERATION_FIELD.length)}`, money: true };
  }
  const spec = FIELDS.find((candidate) => candidate.field === storeField);
  return spec ? { name: spec.name, money: spec.money } : { name: storeField, money: false };
}

/** Overrides by operator name, money in USD, sorted by name. */
function overridesOf(stored: Record<string, number>): Record<string, number> {
  const entries = Object.entries(stored).map(([field, value]): [string, number] => {
    const { name, money } = operatorName(field);
    return [name, money ? toUsd(value) : value];
  });
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

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

/** A scope's unit as the CLI shows it: money in USD. */
function shownUnit(unit: ScopeStatus['unit']): ShownScope['unit'] {
  return unit === 'micro_usd' ? 'usd' : unit;
}

function shownScope(status: ScopeStatus): ShownScope {
  const money = status.unit === 'micro_usd';
  const amount = (value: number) => (money ? toUsd(value) : value);
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
function ownRunCeiling(
  config: BreakwaterConfig,
  scopes: readonly ScopeStatus[],
  stored: Record<string, number>,
): number | undefined {
  const run = scopes.find((scope) => scope.scope === 'run');
  if (!run) return undefined;
  const global = stored.run ?? config.budget.ceilings.runMicros;
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

function formatShow(
  config: BreakwaterConfig,
  subject: BudgetSubject,
  scopes: readonly ScopeStatus[],
  stored: Record<string, number>,
): string {
  const overrides = Object.entries(overridesOf(stored)).map(([name, value]) => `${name} ${value}`);
  const own = ownRunCeiling(config, scopes, stored);
  return [
    describeSubject(subject),
    '',
    formatTable([TABLE_HEADER, ...scopes.map(scopeRow)]),
    '',
    ...(own === undefined ? [] : [`run ${subject.runId} has its own ceiling: run-usd ${formatUsd(own)}`]),
    `ceiling overrides: ${overrides.length > 0 ? overrides.join(', ') : 'none (configured defaults)'}`,
    ...notes(scopes),
  ].join('\n');
}

function tokenManagerOf(context: BudgetCommandContext, redis: Redis): TokenManager {
  const { config } = context;
  const prices = new PriceBook(
    config.budget.modelPrices,
    Object.fromEntries(config.providers.map((provider) => [provider.name, provider.pricingProvider])),
  );
  return new TokenManager({ scripts: new GuardScripts(redis, context.keys), budget: config.budget, prices });
}

type Shown = Awaited<ReturnType<TokenManager['show']>>;

/** Prints what `show` found for `subject`, as a table or JSON. */
function printShow(context: BudgetCommandContext, subject: BudgetSubject, shown: Shown, json: boolean): void {
  const { scopes, overrides } = shown;
  if (!json) return context.print(formatShow(context.config, subject, scopes, overrides));
  const result: BudgetShowJson = {
    runId: subject.runId ?? null,
    ...(subject.turn === undefined ? {} : { turn: subject.turn }),
    ...(subject.operation === undefined ? {} : { operation: subject.operation }),
    scopes: scopes.map(shownScope),
    overrides: overridesOf(overrides),
  };
  context.print(JSON.stringify(result, null, 2));
}

/** The subject of `show`: `--turn` needs `--run`, as a task's turn needs its runId. */
function showSubject(args: ParsedArgs): BudgetSubject {
  const runId = args.string(RUN_FLAG.name);
  const turn = args.string(TURN_FLAG.name);
  const operation = args.string(OPERATION_FLAG.name);
  if (turn !== undefined && runId === undefined) {
    throw new RangeError('--turn: needs --run <id> (a turn belongs to a run)');
  }
  const subject: BudgetSubject = {};
  if (runId !== undefined) subject.runId = checkName(runId, 'runId', '--run');
  if (turn !== undefined) subject.turn = checkName(turn, 'turn', '--turn');
  if (operation !== undefined) subject.operation = checkName(operation, 'operation', '--operation');
  return subject;
}

const show: Command<BudgetCommandContext> = {
  name: 'show',
  summary: 'spent, reserved and remaining per budget scope, and the ceiling overrides in force',
  positionals: [],
  flags: [RUN_FLAG, TURN_FLAG, OPERATION_FLAG, JSON_FLAG],
  async run(context, args) {
    const subject = showSubject(args);
    const manager = tokenManagerOf(context, await context.redis());
    printShow(context, subject, await manager.show(subject), args.boolean(JSON_FLAG.name));
  },
};

/** The subject whose `show` a change of `spec` affects. */
function setSubject(spec: FieldSpec, runId: string | undefined): BudgetSubject {
  if (runId !== undefined) return { runId };
  if (spec.field.startsWith(STORE_OPERATION_FIELD)) {
    return { operation: spec.field.slice(STORE_OPERATION_FIELD.length) };
  }
  return {};
}

const SCOPE_OF_FIELD: Partial<Record<string, ScopeStatus['scope']>> = {
  operation: 'operation',
  daily: 'daily',
};

/** The ceiling of `spec` in force (store units), from `show`'s answer for its subject. */
function ceilingInForce(
  context: BudgetCommandContext,
  spec: FieldSpec,
  runId: string | undefined,
  shown: Shown,
): number {
  const scopeName =
    runId !== undefined
      ? 'run'
      : spec.field.startsWith(STORE_OPERATION_FIELD)
        ? 'operation'
        : SCOPE_OF_FIELD[spec.field];
  const scope = shown.scopes.find((candidate) => candidate.scope === scopeName);
  if (scope) return scope.limit;
  const { ceilings } = context.config.budget;
  const defaults: Record<string, number> = {
    run: ceilings.runMicros,
    turnTokens: ceilings.turnTokens,
    turnCalls: ceilings.turnToolCalls,
  };
  return shown.overrides[spec.field] ?? defaults[spec.field] ?? 0;
}

const formatCeiling = (spec: FieldSpec, amount: number) =>
  amount <= 0 ? 'unlimited' : spec.money ? `${formatUsd(amount)} USD` : String(amount);

const set: Command<BudgetCommandContext> = {
  name: 'set',
  summary: "change a budget ceiling ('default' removes the override)",
  positionals: [
    { name: 'field', description: FIELD_NAMES.join(', ') },
    {
      name: 'value',
      description: "USD for *-usd fields (up to 6 decimals), else a whole number; 0 = no limit; 'default'",
    },
  ],
  flags: [{ ...RUN_FLAG, description: "with run-usd: that run's own ceiling" }, JSON_FLAG],
  async run(context, args) {
    const spec = parseField(args.positional('field'));
    const amount = parseValue(args.positional('value'), spec);
    const rawRun = args.string(RUN_FLAG.name);
    if (rawRun !== undefined && spec.field !== 'run') {
      throw new RangeError(`--run: only with field run-usd (got '${spec.name}')`);
    }
    const runId = rawRun === undefined ? undefined : checkName(rawRun, 'runId', '--run');
    const manager = tokenManagerOf(context, await context.redis());
    const subject = setSubject(spec, runId);
    const before = ceilingInForce(context, spec, runId, await manager.show(subject));
    await manager.setCeiling(spec.field, amount === null ? null : spec.money ? toUsd(amount) : amount, runId);
    const shown = await manager.show(subject);
    const after = ceilingInForce(context, spec, runId, shown);
    context.logger.warn(
      {
        operator: process.env.USER ?? 'unknown',
        action: 'set',
        field: spec.name,
        ...(runId === undefined ? {} : { runId }),
        value: amount === null ? 'default' : spec.money ? toUsd(amount) : amount,
        unit: spec.money ? 'usd' : spec.field === 'turnTokens' ? 'tokens' : 'calls',
        from: spec.money ? toUsd(before) : before,
        to: spec.money ? toUsd(after) : after,
      },
      'budget operator action',
    );
    const json = args.boolean(JSON_FLAG.name);
    if (!json) {
      const target = runId === undefined ? spec.name : `${spec.name} for run ${runId}`;
      context.print(`${target}: ${formatCeiling(spec, before)} -> ${formatCeiling(spec, after)}\n`);
    }
    printShow(context, subject, shown, json);
  },
};

/** The `budget` command group. */
export const budgetCommands: CommandGroup<BudgetCommandContext> = {
  name: 'budget',
  summary: 'read and change the shared budgets (run, operation, daily, turn)',
  commands: [show, set],
};
