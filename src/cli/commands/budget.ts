/**
 * `breakwater budget …`: read and change the shared budgets (in Redis, through `TokenManager`).
 *
 * - `show [--run <id>] [--turn <turn>] [--operation <name>] [--json]`: spent, reserved and remaining
 *   per scope (operation and daily; run with `--run`; the turn's tokens and tool calls with `--turn`),
 *   and the ceiling overrides in force.
 * - `set <field> <value> [--run <id>] [--json]`: changes a ceiling (`default` removes the override)
 *   and shows the result for the subject it affects.
 */
import { Command } from 'commander';
import { PriceBook } from '../../budget/pricing';
import { TokenManager, type BudgetSubject, type ScopeStatus } from '../../budget/token-manager';
import { parseClientName } from '../arguments';
import {
  FIELD_NAMES,
  inOperatorUnit,
  operationOf,
  parseCeilingValue,
  parseField,
  unitOf,
  type FieldSpec,
} from '../budget-fields';
import { logOperatorAction, type CliContext, type OpenContext } from '../context';
import { formatChange, formatShow, formatShowJson, type BudgetShown } from '../views/budget';
import { jsonOption, type JsonOptions } from './options';

interface ShowOptions extends JsonOptions {
  run?: string;
  turn?: string;
  operation?: string;
}

interface SetOptions extends JsonOptions {
  run?: string;
}

/** The budget API on the CLI's connection. */
export async function tokenManagerOf(context: CliContext): Promise<TokenManager> {
  const { config } = context;
  return new TokenManager({
    scripts: await context.scripts(),
    budget: config.budget,
    prices: PriceBook.fromConfig(config.budget.modelPrices, config.providers),
  });
}

/** Prints what `show` found for `subject`, as a table or JSON. */
function printShow(context: CliContext, subject: BudgetSubject, shown: BudgetShown, json: boolean): void {
  context.print(json ? formatShowJson(subject, shown) : formatShow(context.config, subject, shown));
}

/** The subject of `show`: `--turn` needs `--run`, as a task's turn needs its runId. */
function showSubject(options: ShowOptions): BudgetSubject {
  const { run, turn, operation } = options;
  if (turn !== undefined && run === undefined) {
    throw new RangeError('--turn: needs --run <id> (a turn belongs to a run)');
  }
  const subject: BudgetSubject = {};
  if (run !== undefined) subject.runId = parseClientName(run, 'runId', '--run');
  if (turn !== undefined) subject.turn = parseClientName(turn, 'turn', '--turn');
  if (operation !== undefined) subject.operation = parseClientName(operation, 'operation', '--operation');
  return subject;
}

/** The subject whose `show` a change of `spec` affects. */
function setSubject(spec: FieldSpec, runId: string | undefined): BudgetSubject {
  if (runId !== undefined) return { runId };
  const operation = operationOf(spec);
  return operation === undefined ? {} : { operation };
}

const SCOPE_OF_FIELD: Partial<Record<string, ScopeStatus['scope']>> = {
  operation: 'operation',
  daily: 'daily',
};

/** The ceiling of `spec` in force (store units), from `show`'s answer for its subject. */
function ceilingInForce(
  context: CliContext,
  spec: FieldSpec,
  runId: string | undefined,
  shown: BudgetShown,
): number {
  const scopeName =
    runId !== undefined ? 'run' : operationOf(spec) !== undefined ? 'operation' : SCOPE_OF_FIELD[spec.field];
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

/** The `budget` command group. */
export function budgetCommands(open: OpenContext): Command {
  const group = new Command('budget').description(
    'read and change the shared budgets (run, operation, daily, turn)',
  );
  group
    .command('show')
    .description('spent, reserved and remaining per budget scope, and the ceiling overrides in force')
    .option('--run <id>', 'a run id (runId)')
    .option('--turn <turn>', "a turn of the run: also shows the turn's tokens and tool calls (needs --run)")
    .option(
      '--operation <name>',
      "an operation: shows its own per-call ceiling (default: the operations' ceiling)",
    )
    .addOption(jsonOption())
    .action(async (options: ShowOptions) => {
      const subject = showSubject(options);
      const context = open();
      const manager = await tokenManagerOf(context);
      printShow(context, subject, await manager.show(subject), options.json === true);
    });
  group
    .command('set')
    .description("change a budget ceiling ('default' removes the override)")
    .argument('<field>', FIELD_NAMES.join(', '))
    .argument(
      '<value>',
      "USD for *-usd fields (up to 6 decimals), else a whole number; 0 = no limit; 'default'",
    )
    .option('--run <id>', "with run-usd: that run's own ceiling")
    .addOption(jsonOption())
    .action(async (field: string, value: string, options: SetOptions) => {
      const spec = parseField(field);
      const amount = parseCeilingValue(value, spec);
      if (options.run !== undefined && spec.field !== 'run') {
        throw new RangeError(`--run: only with field run-usd (got '${spec.name}')`);
      }
      const runId = options.run === undefined ? undefined : parseClientName(options.run, 'runId', '--run');
      const context = open();
      const manager = await tokenManagerOf(context);
      const subject = setSubject(spec, runId);
      const before = ceilingInForce(context, spec, runId, await manager.show(subject));
      await manager.setCeiling(spec.field, amount === null ? null : inOperatorUnit(spec, amount), runId);
      const shown = await manager.show(subject);
      const after = ceilingInForce(context, spec, runId, shown);
      logOperatorAction(context, 'budget', 'set', {
        field: spec.name,
        ...(runId === undefined ? {} : { runId }),
        value: amount === null ? 'default' : inOperatorUnit(spec, amount),
        unit: unitOf(spec),
        from: inOperatorUnit(spec, before),
        to: inOperatorUnit(spec, after),
      });
      if (!options.json) context.print(`${formatChange(spec, runId, before, after)}\n`);
      printShow(context, subject, shown, options.json === true);
    });
  return group;
}
