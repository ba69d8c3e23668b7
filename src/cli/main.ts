/**
 * `breakwater <group> <command> [arguments] [--json]`: the operator CLI.
 *
 * Exit codes: 0 done; 1 the command failed (Redis unreachable, a command error); 2 the command line
 * or the configuration is wrong. Configuration comes from the environment (`loadConfig`). A new
 * command group plugs in by adding its `CommandGroup` to `GROUPS` and, if it needs more than
 * configuration and Redis, a member to `CliContext`. A command's name may have two words (`dlq dead
 * list`), and a command may parse its own arguments (`SelfParsingCommand`, e.g. an optional positional).
 *
 * `runCli(argv)` runs it and exits; it runs on `process.argv` when this file is the entry point.
 */
import { createInterface } from 'node:readline';
import type Redis from 'ioredis';
import pino from 'pino';
import { ConfigError, loadConfig, type BreakwaterConfig } from '../config';
import { createLogger } from '../observability/logger';
import { createRedis, waitUntilReady } from '../redis/connection';
import { KeySpace } from '../redis/keys';
import {
  isHelpToken,
  parseArgs,
  synopsis,
  UsageError,
  type Command,
  type CommandGroup,
  type ParsedArgs,
} from './args';
import { breakerCommands, type BreakerCommandContext } from './breaker-commands';
import { budgetCommands, type BudgetCommandContext } from './budget-commands';
import { dlqCommands, type DlqCommandContext, type SelfParsingCommand } from './dlq-commands';

/** What the entry point gives every command: the union of what the groups ask for. */
type CliContext = BreakerCommandContext & BudgetCommandContext & DlqCommandContext;

const GROUPS: ReadonlyArray<CommandGroup<CliContext>> = [breakerCommands, budgetCommands, dlqCommands];

/** How long the CLI waits for Redis before it gives up. */
const REDIS_READY_TIMEOUT_MS = 3000;

/** Redis could not be reached: exit code 1. */
class RedisUnreachableError extends Error {}

function names(items: ReadonlyArray<{ name: string }>): string {
  return items.map((item) => item.name).join(', ');
}

function mainUsage(): string {
  const width = Math.max(...GROUPS.map((group) => group.name.length));
  return [
    'Usage: breakwater <group> <command> [arguments] [--json]',
    '',
    'Operator commands for Breakwater. Configuration comes from the environment',
    '(REDIS_URL, REDIS_KEY_PREFIX, LLM_PROVIDERS, BREAKER_*, BUDGET_*, …), as for the worker.',
    '',
    'Groups:',
    ...GROUPS.map((group) => `  ${group.name.padEnd(width)}  ${group.summary}`),
    '',
    "Run 'breakwater <group> --help' for a group's commands.",
  ].join('\n');
}

function groupUsage(group: CommandGroup<CliContext>): string {
  const lines = group.commands.map((command) => synopsis(command, command.name));
  const width = Math.max(...lines.map((line) => line.length));
  return [
    `Usage: breakwater ${group.name} <command> [arguments]`,
    '',
    `${group.summary[0]!.toUpperCase()}${group.summary.slice(1)}.`,
    '',
    'Commands:',
    ...group.commands.map((command, index) => `  ${lines[index]!.padEnd(width)}  ${command.summary}`),
    '',
    `Run 'breakwater ${group.name} <command> --help' for a command's arguments.`,
  ].join('\n');
}

function commandUsage(group: CommandGroup<CliContext>, command: Command<CliContext>): string {
  const rows = [
    ...command.positionals.map((positional) => [`<${positional.name}>`, positional.description]),
    ...command.flags.map((flag) => [
      flag.kind === 'boolean' ? `--${flag.name}` : `--${flag.name} <${flag.valueName ?? flag.kind}>`,
      flag.description,
    ]),
  ];
  const width = Math.max(0, ...rows.map(([name]) => name!.length));
  return [
    `Usage: ${synopsis(command, `breakwater ${group.name} ${command.name}`)}`,
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    ...(rows.length > 0 ? ['', ...rows.map(([name, text]) => `  ${name!.padEnd(width)}  ${text}`)] : []),
  ].join('\n');
}

/** REDIS_URL for messages: user name, password and query (which may carry credentials) are hidden. */
function displayRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hadCredentials = parsed.username !== '' || parsed.password !== '';
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    const shown = parsed.toString();
    return hadCredentials ? shown.replace('//', '//***@') : shown;
  } catch {
    return '(not shown)';
  }
}

/** Opens one connection on first use and closes it at the end. */
class RedisSession {
  private connection: Promise<Redis> | undefined;
  private client: Redis | undefined;

  constructor(private readonly config: BreakwaterConfig) {}

  get(): Promise<Redis> {
    this.connection ??= this.connect();
    return this.connection;
  }

  async close(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else client.disconnect();
  }

  private async connect(): Promise<Redis> {
    const client = createRedis(this.config.redis);
    this.client = client;
    let lastError: Error | undefined;
    client.on('error', (error: Error) => {
      lastError = error;
    });
    try {
      await waitUntilReady(client, REDIS_READY_TIMEOUT_MS);
    } catch {
      client.disconnect();
      throw new RedisUnreachableError(
        `cannot reach Redis at REDIS_URL=${displayRedisUrl(this.config.redis.url)} ` +
          `within ${REDIS_READY_TIMEOUT_MS} ms${lastError ? ` (${lastError.message})` : ''}`,
      );
    }
    return client;
  }
}

type Resolved =
  | { kind: 'exit'; code: number; stdout?: string; stderr?: string }
  | { kind: 'run'; group: CommandGroup<CliContext>; command: Command<CliContext>; args: ParsedArgs };

function usageFailure(message: string, usage: string): Resolved {
  return { kind: 'exit', code: 2, stderr: `breakwater: ${message}\n\n${usage}` };
}

/** Finds the group and the command `argv` names and parses the command's arguments. */
function resolve(argv: readonly string[]): Resolved {
  const [groupName, commandName, ...rest] = argv;
  if (groupName === undefined)
    return usageFailure(`missing command (expected: ${names(GROUPS)})`, mainUsage());
  if (isHelpToken(groupName) || groupName === 'help') return { kind: 'exit', code: 0, stdout: mainUsage() };
  if (groupName.startsWith('-')) {
    return usageFailure(`unknown flag '${groupName}' (expected: --help)`, mainUsage());
  }
  const group = GROUPS.find((candidate) => candidate.name === groupName);
  if (!group) return usageFailure(`unknown command '${groupName}' (expected: ${names(GROUPS)})`, mainUsage());
  if (commandName === undefined) {
    return usageFailure(
      `missing ${group.name} command (expected: ${names(group.commands)})`,
      groupUsage(group),
    );
  }
  if (isHelpToken(commandName) || commandName === 'help') {
    return { kind: 'exit', code: 0, stdout: groupUsage(group) };
  }
  if (commandName.startsWith('-')) {
    return usageFailure(
      `unknown flag '${commandName}' for '${group.name}' (expected: --help)`,
      groupUsage(group),
    );
  }
  const words = [commandName, ...rest];
  // A command's name may have more than one word (`dead list`): the longest match wins.
  const command = group.commands
    .filter((candidate) => candidate.name.split(' ').every((word, index) => words[index] === word))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!command) {
    const subcommands = group.commands
      .filter((candidate) => candidate.name.startsWith(`${commandName} `))
      .map((candidate) => candidate.name.slice(commandName.length + 1));
    const next = words[1];
    if (subcommands.length > 0 && (next === undefined || isHelpToken(next) || next === 'help')) {
      return next === undefined
        ? usageFailure(
            `missing ${group.name} ${commandName} command (expected: ${subcommands.join(', ')})`,
            groupUsage(group),
          )
        : { kind: 'exit', code: 0, stdout: groupUsage(group) };
    }
    const unknown = subcommands.length > 0 ? `${commandName} ${next}` : commandName;
    return usageFailure(
      `unknown ${group.name} command '${unknown}' (expected: ${names(group.commands)})`,
      groupUsage(group),
    );
  }
  try {
    const args = parseCommandArgs(
      command,
      words.slice(command.name.split(' ').length),
      `${group.name} ${command.name}`,
    );
    if (args.help) return { kind: 'exit', code: 0, stdout: commandUsage(group, command) };
    return { kind: 'run', group, command, args };
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      return usageFailure(error.message, commandUsage(group, command));
    }
    throw error;
  }
}

/** Parses a command's arguments: with its own `parse` when it has one, else against its spec. */
function parseCommandArgs(command: Command<CliContext>, argv: readonly string[], path: string): ParsedArgs {
  const own = (command as Partial<SelfParsingCommand<CliContext>>).parse;
  return own ? own.call(command, argv, path) : parseArgs(argv, command, path);
}

/** Asks `question` on stderr and reads one line from stdin; undefined at end of input or on Ctrl-C. */
function askLine(question: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const reader = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let answered = false;
    reader.once('close', () => {
      if (!answered) resolve(undefined);
    });
    // Ctrl-C at the prompt is a refusal (readline would otherwise only pause).
    reader.once('SIGINT', () => reader.close());
    reader.question(question, (answer) => {
      answered = true;
      reader.close();
      resolve(answer);
    });
  });
}

/** The key space of REDIS_KEY_PREFIX; a bad prefix is a configuration error naming the variable. */
function keySpaceOf(config: BreakwaterConfig): KeySpace {
  try {
    return new KeySpace(config.redis.keyPrefix);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError('REDIS_KEY_PREFIX', message.replace(/^keyPrefix: /, ''));
  }
}

/** Runs the CLI on `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const resolved = resolve(argv);
  if (resolved.kind === 'exit') {
    if (resolved.stdout !== undefined) process.stdout.write(`${resolved.stdout}\n`);
    if (resolved.stderr !== undefined) process.stderr.write(`${resolved.stderr}\n`);
    return resolved.code;
  }
  const { group, command, args } = resolved;
  let session: RedisSession;
  let context: CliContext;
  try {
    const config = loadConfig();
    const keys = keySpaceOf(config);
    const redis = new RedisSession(config);
    session = redis;
    context = {
      config,
      keys,
      redis: () => redis.get(),
      print: (text) => {
        process.stdout.write(`${text}\n`);
      },
      interactive: process.stdin.isTTY === true,
      ask: askLine,
      // Synchronous, so the line is written before the CLI exits.
      logger: createLogger({
        level: config.log.level,
        name: 'breakwater-cli',
        destination: pino.destination({ dest: 2, sync: true }),
      }),
    };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`breakwater: invalid configuration: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  try {
    await command.run(context, args);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      process.stderr.write(`breakwater: ${error.message}\n\n${commandUsage(group, command)}\n`);
      return 2;
    }
    if (error instanceof RedisUnreachableError) {
      process.stderr.write(`breakwater: ${error.message}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`breakwater: ${group.name} ${command.name} failed: ${message}\n`);
    return 1;
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
    process.stderr.write(`breakwater: ${error instanceof Error ? error.message : String(error)}\n`);
    exitWhenFlushed(1);
  });
}

if (require.main === module) runCli(process.argv.slice(2));
