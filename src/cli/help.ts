/**
 * The command tree as help and messages show it. The program lists its groups; a group lists every
 * command under it by its name in the group (`dead list`), with a synopsis that names its
 * arguments and flags (`open <provider> --for <duration> [--json]`), which is also its usage line.
 */
import { Help, type Command, type HelpConfiguration } from 'commander';

/** The usage line of the program, after `breakwater`. */
const PROGRAM_USAGE = '<group> <command> [arguments] [--json]';
/** The usage line of a group (or a command with commands under it), after its name. */
const GROUP_USAGE = '<command> [arguments]';

/** Every command of the tree under `root`, `root` first. */
export function* commandTree(root: Command): Generator<Command> {
  yield root;
  for (const command of root.commands) yield* commandTree(command);
}

/** The group `command` is in (`breaker`, `dlq`), or undefined for the program itself. */
export function groupOf(command: Command): Command | undefined {
  let current = command;
  while (current.parent?.parent) current = current.parent;
  return current.parent ? current : undefined;
}

/** The words that name `command` below `ancestor` (default: below the program), e.g. `dead list`. */
export function wordsOf(command: Command, ancestor?: Command): string[] {
  const words: string[] = [];
  for (let current = command; current !== ancestor && current.parent; current = current.parent) {
    words.unshift(current.name());
  }
  return words;
}

/** `commands` as the help of `command` lists them: a group lists what is under a nested one instead. */
function asListedBy(command: Command, commands: readonly Command[]): Command[] {
  return commands.flatMap((sub) =>
    command.parent && sub.commands.length > 0 ? asListedBy(sub, sub.commands) : [sub],
  );
}

/** The names the help of `command` lists: `breaker, budget, dlq`, or `list, …, dead list, purge`. */
export function listedNames(command: Command): string[] {
  return asListedBy(command, command.commands).map((sub) => wordsOf(sub, command).join(' '));
}

/** The arguments and flags of a command, e.g. `<provider> --for <duration> [--json]`. */
function synopsis(command: Command): string {
  return [
    ...command.registeredArguments.map((argument) => `<${argument.name()}>`),
    ...command.options.map((option) => (option.mandatory ? option.flags : `[${option.flags}]`)),
  ].join(' ');
}

/** The usage line of `command`, after its name. */
export function usageOf(command: Command): string {
  if (!command.parent) return PROGRAM_USAGE;
  return command.commands.length > 0 ? GROUP_USAGE : synopsis(command);
}

/** How commander's help lists commands: see the top of this file. */
export const HELP_CONFIGURATION: HelpConfiguration = {
  visibleCommands: (command) => asListedBy(command, new Help().visibleCommands(command)),
  subcommandTerm: (command) => {
    // The program lists its groups and commands by name; a group lists each command with its synopsis.
    const group = groupOf(command);
    if (command.commands.length > 0 || !group || group === command) return command.name();
    return [...wordsOf(command, group), command.usage()].join(' ');
  },
};
