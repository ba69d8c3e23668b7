/**
 * The `breakwater` program on commander: its command groups, the help it generates, and its parse
 * errors handed to the caller (`CommandLineError`) instead of printed: the entry point writes our
 * messages (see `usage-errors.ts`). A new group is one more `addCommand` here.
 */
import { Command } from 'commander';
import { breakerCommands } from './commands/breaker';
import { budgetCommands } from './commands/budget';
import { codecServerCommand } from './commands/codec-server';
import { degradedCommands } from './commands/degraded';
import { dlqCommands } from './commands/dlq';
import { statusCommand } from './commands/status';
import type { OpenContext } from './context';
import { commandTree, HELP_CONFIGURATION, usageOf } from './help';
import { CommandLineError } from './usage-errors';

const DESCRIPTION =
  'Operator commands for Breakwater. Configuration comes from the environment, as for the worker ' +
  '(REDIS_URL, REDIS_KEY_PREFIX, BREAKER_*, BUDGET_*, DLQ_*, …; TEMPORAL_* for dlq replay and status). ' +
  'Provider variables (LLM_*, API keys) are not read: providers come from the breaker registry in Redis.';

/** The program; its commands get their context from `open`. */
export function buildProgram(open: OpenContext): Command {
  const program = new Command('breakwater')
    .description(DESCRIPTION)
    .addCommand(breakerCommands(open))
    .addCommand(budgetCommands(open))
    .addCommand(dlqCommands(open))
    .addCommand(statusCommand(open))
    .addCommand(degradedCommands(open))
    .addCommand(codecServerCommand(open));
  for (const command of commandTree(program)) {
    command
      .usage(usageOf(command))
      .configureHelp(HELP_CONFIGURATION)
      // Help asked for goes to stdout; errors, and the help commander shows with them, are ours to write.
      .configureOutput({ writeErr: () => undefined })
      .exitOverride((error) => {
        throw new CommandLineError(command, error);
      });
  }
  return program;
}
