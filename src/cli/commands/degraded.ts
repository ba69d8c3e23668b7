/**
 * `breakwater degraded …`: read and switch degraded mode (cluster-wide, in Redis).
 *
 * - `status [--json]`: on or off and why, the waiting tasks of TEMPORAL_TASK_QUEUE, shed submits.
 * - `on [--json]`: force it on: submits are parked (or refused, `DEGRADED_READONLY_ENABLED=false`).
 * - `off [--json]`: lift the force; it stays on while every provider's breaker is open.
 */
import { Command } from 'commander';
import { DegradedMode } from '../../degraded/degraded-mode';
import { DegradedScripts } from '../../redis/degraded-scripts';
import { logOperatorAction, operatorName, type CliContext, type OpenContext } from '../context';
import { formatDegradedJson, formatDegradedStatus, formatDegradedSwitch } from '../views/degraded';
import { jsonOption, type JsonOptions } from './options';

/** Degraded mode on the context's Redis, counting the waiting tasks of TEMPORAL_TASK_QUEUE. */
export async function degradedModeOf(context: CliContext): Promise<DegradedMode> {
  const { config } = context;
  return new DegradedMode({
    scripts: new DegradedScripts(await context.redis(), context.keys),
    settings: config.degraded,
    resilienceEnabled: config.resilience.enabled,
    taskQueue: config.temporal.taskQueue,
  });
}

/** Forces degraded mode on, or lifts the force; records who did it. */
async function force(open: OpenContext, on: boolean, options: JsonOptions): Promise<void> {
  const context = open();
  const mode = await degradedModeOf(context);
  const result = await mode.force(on, operatorName());
  logOperatorAction(context, 'degraded', on ? 'on' : 'off', {
    active: result.active,
    reason: result.reason,
    changed: result.changed,
  });
  context.print(options.json ? formatDegradedJson(result) : formatDegradedSwitch(result, on));
}

/** The `degraded` command group. */
export function degradedCommands(open: OpenContext): Command {
  const group = new Command('degraded').description(
    'read and switch degraded mode (submits parked or refused, cluster-wide)',
  );
  group
    .command('status')
    .description('whether degraded mode is on and why, the waiting tasks and the shed submits')
    .addOption(jsonOption())
    .action(async (options: JsonOptions) => {
      const context = open();
      const status = await (await degradedModeOf(context)).status();
      context.print(options.json ? formatDegradedJson(status) : formatDegradedStatus(status));
    });
  group
    .command('on')
    .description('force degraded mode on until `degraded off`')
    .addOption(jsonOption())
    .action((options: JsonOptions) => force(open, true, options));
  group
    .command('off')
    .description("lift the force; it stays on while every provider's breaker is open")
    .addOption(jsonOption())
    .action((options: JsonOptions) => force(open, false, options));
  return group;
}
