/**
 * Mistakes in the command line: exit code 2, a message that names what is wrong, then the usage of
 * the command concerned. Commander's parse errors become our messages through one table, keyed by
 * commander's error code; a command's own checks throw `UsageError` (or `RangeError` for a value).
 */
import type { Command, CommanderError } from 'commander';
import { groupOf, listedNames, wordsOf } from './help';

/** A mistake in the command line that a command finds itself, e.g. `missing <jobId> (or --all)`. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Commander stopped at `command`: the command line is wrong, or it showed the help asked for. */
export class CommandLineError extends Error {
  constructor(
    readonly command: Command,
    readonly parseError: CommanderError,
  ) {
    super(parseError.message);
    this.name = 'CommandLineError';
  }

  /**
   * Commander showed the help asked for (`--help`, `-h`, `help`): nothing is wrong. A group given
   * no command also ends in `commander.help`, but with exit code 1: that one is a mistake.
   */
  get helpShown(): boolean {
    const { code, exitCode } = this.parseError;
    return (code === 'commander.helpDisplayed' || code === 'commander.help') && exitCode === 0;
  }
}

/** What commander's message quotes: the flag, argument or option it is about. */
function quoted(error: CommanderError): string {
  return /'(.*)'/.exec(error.message)?.[1] ?? '';
}

/** ` for 'breaker open'`, or nothing for the program itself. */
function forCommand(command: Command): string {
  const path = wordsOf(command).join(' ');
  return path === '' ? '' : ` for '${path}'`;
}

function unknownCommand(command: Command, name: string | undefined): string {
  const group = groupOf(command);
  const words = [...(group ? wordsOf(command, group) : []), name];
  const expected = listedNames(group ?? command).join(', ');
  return `unknown ${group ? `${group.name()} ` : ''}command '${words.join(' ')}' (expected: ${expected})`;
}

function missingCommand(command: Command): string {
  const path = wordsOf(command).join(' ');
  return `missing ${path === '' ? '' : `${path} `}command (expected: ${listedNames(command).join(', ')})`;
}

/** Our message for each commander error the command line can cause, by commander's code. */
const MESSAGES: Readonly<Record<string, (command: Command, error: CommanderError) => string>> = {
  // A group without a command shows its help as an error; `help <name>` does the same for an unknown name.
  'commander.help': (command) =>
    command.args[0] === 'help' && command.args[1] !== undefined
      ? unknownCommand(command, command.args[1])
      : missingCommand(command),
  'commander.unknownCommand': (command) => unknownCommand(command, command.args[0]),
  'commander.unknownOption': (command, error) => {
    const expected = [...command.options.flatMap((option) => option.long ?? []), '--help'].join(', ');
    return `unknown flag '${quoted(error)}'${forCommand(command)} (expected: ${expected})`;
  },
  'commander.missingArgument': (command, error) => `missing <${quoted(error)}>${forCommand(command)}`,
  'commander.missingMandatoryOptionValue': (command, error) =>
    `missing ${quoted(error)}${forCommand(command)}`,
  'commander.optionMissingArgument': (_command, error) => {
    const [flag, value] = quoted(error).split(' ');
    return `${flag}: needs a value ${value}`;
  },
  'commander.excessArguments': (command) =>
    `unexpected argument '${command.args[command.registeredArguments.length]}'${forCommand(command)}`,
};

/** The message for a command line commander refused. */
export function commandLineMessage(error: CommandLineError): string {
  const explain = MESSAGES[error.parseError.code];
  return explain
    ? explain(error.command, error.parseError)
    : error.parseError.message.replace(/^error: /, '');
}

/** The help shown after a mistake in the command line of `command`: a nested group (`dead`) shows its group's. */
export function usageHelp(command: Command): string {
  const group = groupOf(command);
  const shown = group && command !== group && command.commands.length > 0 ? group : command;
  return shown.helpInformation({ error: true }).trimEnd();
}
