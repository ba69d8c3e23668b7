/**
 * The command line's grammar: what a command group and its commands declare (positionals and
 * flags), how the arguments after `breakwater <group> <command>` are parsed against that
 * declaration, and the value parsers the commands share (durations, provider names).
 *
 * Parsing is pure: it never touches the environment, Redis or the terminal, so a usage error is
 * reported before anything connects.
 */
import { PROVIDER_NAME } from '../config';

/** A mistake in the command line itself (unknown flag, missing argument, …): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `boolean` flags take no value; `string` and `duration` flags take one (`--for 10m` or `--for=10m`). */
export type FlagKind = 'boolean' | 'string' | 'duration';

export interface FlagSpec {
  /** The flag without its dashes: `for` is given as `--for`. */
  name: string;
  kind: FlagKind;
  /** How usage names the value, e.g. `duration`. */
  valueName?: string;
  required?: boolean;
  description: string;
}

export interface PositionalSpec {
  /** How usage and errors name the argument, e.g. `provider` (shown as `<provider>`). */
  name: string;
  description: string;
}

/** What one command accepts. Every positional is required. */
export interface CommandSpec {
  name: string;
  summary: string;
  positionals: readonly PositionalSpec[];
  flags: readonly FlagSpec[];
}

/**
 * One command of a group. `Context` is what the command needs from the entry point (configuration,
 * a Redis connection, …): each group declares its own, and `main.ts` provides one that satisfies all.
 * `run` throws `UsageError` or `RangeError` for bad input (exit 2); any other error is a failure (exit 1).
 */
export interface Command<Context> extends CommandSpec {
  run(context: Context, args: ParsedArgs): Promise<void>;
}

/** A group of commands: `breakwater <group> <command>`. */
export interface CommandGroup<Context> {
  name: string;
  summary: string;
  commands: ReadonlyArray<Command<Context>>;
}

/** `--json`: every command that prints something takes it. */
export const JSON_FLAG: FlagSpec = {
  name: 'json',
  kind: 'boolean',
  description: 'print JSON only, on stdout',
};

const HELP_TOKENS = new Set(['--help', '-h']);

/** True when `token` asks for help (`--help` or `-h`). */
export function isHelpToken(token: string): boolean {
  return HELP_TOKENS.has(token);
}

/** The parsed arguments of one command. */
export class ParsedArgs {
  constructor(
    private readonly positionals: ReadonlyMap<string, string>,
    private readonly flags: ReadonlyMap<string, string | number | true>,
    /** `--help` or `-h` was given: nothing else was validated. */
    readonly help: boolean,
  ) {}

  /** The value of a declared positional. */
  positional(name: string): string {
    const value = this.positionals.get(name);
    if (value === undefined) throw new UsageError(`missing <${name}>`);
    return value;
  }

  /** Whether a boolean flag was given. */
  boolean(name: string): boolean {
    return this.flags.get(name) === true;
  }

  /** The value of a `string` flag, if given. */
  string(name: string): string | undefined {
    const value = this.flags.get(name);
    return typeof value === 'string' ? value : undefined;
  }

  /** The value of a `duration` flag in milliseconds, if given. */
  duration(name: string): number | undefined {
    const value = this.flags.get(name);
    return typeof value === 'number' ? value : undefined;
  }
}

/**
 * Parses the arguments of one command against its spec. `path` (e.g. `breaker open`) names the
 * command in errors. `--help`/`-h` anywhere short-circuits: the result has `help` set and nothing
 * else is checked. `--` ends the flags. Throws `UsageError`, or `RangeError` for a bad flag value.
 */
export function parseArgs(argv: readonly string[], spec: CommandSpec, path: string): ParsedArgs {
  if (argv.some(isHelpToken)) return new ParsedArgs(new Map(), new Map(), true);
  const positionals: string[] = [];
  const flags = new Map<string, string | number | true>();
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index]!;
    if (token === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const name = equals === -1 ? token : token.slice(0, equals);
    const inline = equals === -1 ? undefined : token.slice(equals + 1);
    const flag = spec.flags.find((candidate) => `--${candidate.name}` === name);
    if (!flag) throw new UsageError(`unknown flag '${name}' for '${path}' (expected: ${flagList(spec)})`);
    if (flags.has(flag.name)) throw new UsageError(`${name}: given more than once`);
    if (flag.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${name}: takes no value`);
      flags.set(flag.name, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[index + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        index += 1;
      }
    }
    if (value === undefined || value === '') {
      throw new UsageError(`${name}: needs a value <${flag.valueName ?? flag.kind}>`);
    }
    flags.set(flag.name, flag.kind === 'duration' ? parseDuration(value, name) : value);
  }
  for (const flag of spec.flags) {
    if (flag.required && !flags.has(flag.name)) {
      throw new UsageError(`missing --${flag.name} <${flag.valueName ?? flag.kind}> for '${path}'`);
    }
  }
  const missing = spec.positionals[positionals.length];
  if (missing) throw new UsageError(`missing <${missing.name}> for '${path}'`);
  const extra = positionals[spec.positionals.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}' for '${path}'`);
  return new ParsedArgs(
    new Map(spec.positionals.map((positional, index) => [positional.name, positionals[index]!])),
    flags,
    false,
  );
}

function flagList(spec: CommandSpec): string {
  return [...spec.flags.map((flag) => `--${flag.name}`), '--help'].join(', ');
}

/** The one-line synopsis of a command, e.g. `breaker open <provider> --for <duration> [--json]`. */
export function synopsis(spec: CommandSpec, path: string): string {
  const parts = [path, ...spec.positionals.map((positional) => `<${positional.name}>`)];
  for (const flag of spec.flags) {
    const text =
      flag.kind === 'boolean' ? `--${flag.name}` : `--${flag.name} <${flag.valueName ?? flag.kind}>`;
    parts.push(flag.required ? text : `[${text}]`);
  }
  return parts.join(' ');
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration (`500ms`, `90s`, `10m`, `2h`, `1.5h`, or a plain number of milliseconds) into
 * whole milliseconds. Throws a `RangeError` that names `flag` on anything else.
 */
export function parseDuration(value: string, flag: string): number {
  const match = DURATION.exec(value.trim());
  if (!match) {
    throw new RangeError(
      `${flag}: '${value}' is not a duration (expected e.g. 500ms, 90s, 10m, 2h or a number of milliseconds)`,
    );
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
  if (!Number.isSafeInteger(ms)) throw new RangeError(`${flag}: '${value}' is too long`);
  return ms;
}

/** A duration for people: `850ms`, `42s`, `1m 30s`, `2h 5m` (seconds are rounded up). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
}

/** The provider names LLM_PROVIDERS accepts (see src/config.ts). */

/** Checks a provider name argument; throws a `RangeError` that names `argument` (e.g. `<provider>`). */
export function parseProviderName(value: string, argument: string): string {
  if (!PROVIDER_NAME.test(value)) {
    throw new RangeError(
      `${argument}: '${value}' is not a provider name (a lowercase letter, then up to 31 of a-z, 0-9, '_' and '-')`,
    );
  }
  return value;
}
