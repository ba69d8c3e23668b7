import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program';
import { CommandLineError, commandLineMessage, usageHelp, UsageError } from '../../src/cli/usage-errors';

/** What a command's action throws when it asks for its context: the command line got through. */
class ContextOpened extends Error {}

/** Parses `argv` as the CLI does, without configuration or Redis; returns what it threw. */
async function parseError(argv: string[]): Promise<Error> {
  const program = buildProgram(() => {
    throw new ContextOpened();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error(`parsed ${JSON.stringify(argv)} without asking for a context`);
}

/** The message and usage of a command line commander refuses. */
async function refused(argv: string[]): Promise<{ message: string; usage: string }> {
  const error = await parseError(argv);
  expect(error).toBeInstanceOf(CommandLineError);
  const commandLine = error as CommandLineError;
  expect(commandLine.helpShown).toBe(false);
  return { message: commandLineMessage(commandLine), usage: usageHelp(commandLine.command) };
}

describe('the command line commander refuses', () => {
  it.each([
    [
      [],
      'missing command (expected: breaker, budget, dlq, status, degraded, codec-server)',
      'breakwater <group>',
    ],
    [
      ['brekaer'],
      "unknown command 'brekaer' (expected: breaker, budget, dlq, status, degraded, codec-server)",
      'breakwater <group>',
    ],
    [
      ['help', 'brekaer'],
      "unknown command 'brekaer' (expected: breaker, budget, dlq, status, degraded, codec-server)",
      'breakwater <group>',
    ],
    [['--bogus'], "unknown flag '--bogus' (expected: --help)", 'breakwater <group>'],
    [['breaker'], 'missing breaker command (expected: status, reset, open)', 'breakwater breaker <command>'],
    [
      ['breaker', 'stauts'],
      "unknown breaker command 'stauts' (expected: status, reset, open)",
      'breakwater breaker <command>',
    ],
    [
      ['breaker', '--x'],
      "unknown flag '--x' for 'breaker' (expected: --help)",
      'breakwater breaker <command>',
    ],
    [
      ['breaker', 'status', '--jsn'],
      "unknown flag '--jsn' for 'breaker status' (expected: --json, --help)",
      'breakwater breaker status [--json]',
    ],
    [
      ['breaker', 'open', 'fake'],
      "missing --for <duration> for 'breaker open'",
      'breakwater breaker open <breaker> --for <duration> [--json]',
    ],
    [['breaker', 'open', 'fake', '--for'], '--for: needs a value <duration>', 'breakwater breaker open'],
    [['breaker', 'open', '--for', '1m'], "missing <breaker> for 'breaker open'", 'breakwater breaker open'],
    [
      ['breaker', 'open', 'fake', 'extra', '--for', '1m'],
      "unexpected argument 'extra' for 'breaker open'",
      'breakwater breaker open',
    ],
    [
      ['budget', 'set', 'daily-usd'],
      "missing <value> for 'budget set'",
      'breakwater budget set <field> <value>',
    ],
    [['dlq', 'dead'], 'missing dlq dead command (expected: list)', 'breakwater dlq <command>'],
    [
      ['dlq', 'dead', 'lsit'],
      "unknown dlq command 'dead lsit' (expected: list, stats, show, replay, dead list, purge)",
      'breakwater dlq <command>',
    ],
  ])('%j: %s', async (argv, message, usage) => {
    const error = await refused(argv);
    expect(error.message).toBe(message);
    expect(error.usage).toContain(`Usage: ${usage}`);
  });
});

describe('values reach the commands', () => {
  it('takes a negative number as a value, not as a flag', async () => {
    const error = await parseError(['budget', 'set', 'run-usd', '-5']);
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/^<value>: '-5' is not an amount of USD >= 0/);
  });

  it('takes --flag=value, and everything after -- as arguments', async () => {
    expect((await parseError(['breaker', 'open', 'fake', '--for=soon'])).message).toMatch(
      /^--for: 'soon' is not a duration/,
    );
    expect((await parseError(['budget', 'set', 'run-usd', '--', '--json'])).message).toMatch(
      /^<value>: '--json' is not an amount of USD/,
    );
  });

  it('leaves the checks that need both arguments to the command', async () => {
    const error = await parseError(['dlq', 'replay']);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('missing <jobId> (or --all)');
  });

  it('asks for the context only once the command line is right', async () => {
    expect(await parseError(['breaker', 'open', 'fake', '--for', '10m', '--json'])).toBeInstanceOf(
      ContextOpened,
    );
    expect(await parseError(['dlq', 'dead', 'list', '--reason=poisoned'])).toBeInstanceOf(ContextOpened);
    expect(await parseError(['dlq', 'replay', '--all', '--older-than', '1h'])).toBeInstanceOf(ContextOpened);
  });
});
