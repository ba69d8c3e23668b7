/**
 * What every command is given (`CliContext`): configuration, the key space, the Redis connection,
 * stdout, the terminal and the structured log; and the audit log of operator actions.
 *
 * `CliSession` opens the context when a command first asks for it, so a command line that is wrong
 * is refused before the environment is read, and closes what it opened at the end.
 */
import { createInterface } from 'node:readline';
import type { RedisConnection } from '../redis/connection';
import pino from 'pino';
import { ConfigError, loadConfig, type BreakwaterConfig } from '../config';
import { createLogger, type Logger } from '../observability/logger';
import { GuardScripts } from '../redis/guard-scripts';
import { KeySpace } from '../redis/keys';
import { RedisSession } from './redis-session';
import { errorMessage } from '../error-message';

/** What a command needs from the entry point. */
export interface CliContext {
  config: BreakwaterConfig;
  keys: KeySpace;
  /** The Redis connection, opened on first use. */
  redis(): Promise<RedisConnection>;
  /** The guard's script calls on that connection (one for the run, shared by breakers and budgets). */
  scripts(): Promise<GuardScripts>;
  /** Writes one block of text (a newline is added) to stdout. */
  print(text: string): void;
  /** Structured log (stderr): operator actions are recorded there. */
  logger: Logger;
  /** Whether stdin is a terminal an operator can answer a confirmation on. */
  interactive: boolean;
  /** Whether stdout is a terminal (a refreshing view may clear it). */
  terminal: boolean;
  /** Writes `question` to the terminal and reads one line of answer; undefined at the end of input. */
  ask(question: string): Promise<string | undefined>;
}

/** Gives a command its context; throws `ConfigError` when the environment is wrong. */
export type OpenContext = () => CliContext;

/** The groups whose commands change shared state, each with its own audit message. */
export type AuditedGroup = 'breaker' | 'budget' | 'dlq' | 'degraded';

/** Who runs the CLI, as the audit log records it. */
export function operatorName(): string {
  return process.env.USER ?? 'unknown';
}

/**
 * Records who did what in the structured log (`{ operator, action, ...fields }`, message
 * `<group> operator action`): at warn, or at error for an action that failed.
 */
export function logOperatorAction(
  context: CliContext,
  group: AuditedGroup,
  action: string,
  fields: Record<string, unknown>,
  level: 'warn' | 'error' = 'warn',
): void {
  context.logger[level]({ operator: operatorName(), action, ...fields }, `${group} operator action`);
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
    throw new ConfigError('REDIS_KEY_PREFIX', errorMessage(error).replace(/^keyPrefix: /, ''));
  }
}

/** The context of one run of the CLI, opened on first use. */
export class CliSession {
  private redis: RedisSession | undefined;
  private context: CliContext | undefined;

  /**
   * The context: reads the configuration the first time (throws `ConfigError` when it is wrong).
   * No command calls a provider, so no provider variable is read (`config.providers` is empty).
   */
  open(): CliContext {
    if (this.context) return this.context;
    const config = loadConfig(process.env, { providers: false });
    const keys = keySpaceOf(config);
    const redis = new RedisSession(config.redis);
    this.redis = redis;
    let scripts: Promise<GuardScripts> | undefined;
    this.context = {
      config,
      keys,
      redis: () => redis.get(),
      scripts: () => (scripts ??= redis.get().then((connection) => new GuardScripts(connection, keys))),
      print: (text) => {
        process.stdout.write(`${text}\n`);
      },
      interactive: process.stdin.isTTY === true,
      terminal: process.stdout.isTTY === true,
      ask: askLine,
      // Synchronous, so the line is written before the CLI exits.
      logger: createLogger({
        level: config.log.level,
        name: 'breakwater-cli',
        destination: pino.destination({ dest: 2, sync: true }),
      }),
    };
    return this.context;
  }

  /** Closes the Redis connection, if one was opened. */
  async close(): Promise<void> {
    await this.redis?.close();
  }
}
