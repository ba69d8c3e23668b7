#!/usr/bin/env node
/**
 * `breakwater <group> <command> [arguments] [--json]`: the operator CLI (see `program.ts`).
 *
 * Exit codes: 0 done; 1 the command failed (Redis unreachable, a command error); 2 the command line
 * or the configuration is wrong, with a message on the first line of stderr and, for the command
 * line, the usage of the command concerned after a blank line. Configuration comes from the
 * environment (`loadConfig`), read once the command line is known to be right.
 *
 * `runCli(argv)` runs it and exits; it runs on `process.argv` when this file is the entry point.
 */
import type { Command } from 'commander';
import { ConfigError } from '../config';
import { errorMessage } from '../error-message';
import { CliSession } from './context';
import { wordsOf } from './help';
import { buildProgram } from './program';
import { RedisUnreachableError } from './redis-session';
import { CommandLineError, commandLineMessage, usageHelp, UsageError } from './usage-errors';

/** Writes `breakwater: <text>` to stderr; returns `code`. */
function fail(code: 1 | 2, text: string): 1 | 2 {
  process.stderr.write(`breakwater: ${text}\n`);
  return code;
}

/** Reports `error`, thrown while `running` (the command whose action ran, else the program); returns the exit code. */
function report(error: unknown, running: Command): number {
  if (error instanceof CommandLineError) {
    if (error.helpShown) return 0;
    return fail(2, `${commandLineMessage(error)}\n\n${usageHelp(error.command)}`);
  }
  if (error instanceof UsageError || error instanceof RangeError) {
    return fail(2, `${error.message}\n\n${usageHelp(running)}`);
  }
  if (error instanceof ConfigError) return fail(2, `invalid configuration: ${error.message}`);
  if (error instanceof RedisUnreachableError) return fail(1, error.message);
  return fail(1, `${wordsOf(running).join(' ')} failed: ${errorMessage(error)}`);
}

/** Runs the CLI on `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const session = new CliSession();
  const program = buildProgram(() => session.open());
  let running: Command = program;
  program.hook('preAction', (_program, command) => {
    running = command;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return report(error, running);
  } finally {
    await session.close();
  }
}

/**
 * Exits with `code` once stdout and stderr are flushed. The connection is closed by then; exiting
 * explicitly keeps a library timer (ioredis holds one for up to 2 s after a refused connection)
 * from delaying the exit.
 */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** Runs the CLI on `argv` (without `node` and the script), then exits the process with its code. */
export function runCli(argv: readonly string[]): void {
  main(argv).then(exitWhenFlushed, (error: unknown) => {
    process.stderr.write(`breakwater: ${errorMessage(error)}\n`);
    exitWhenFlushed(1);
  });
}

if (require.main === module) runCli(process.argv.slice(2));
