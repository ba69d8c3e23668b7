/** Structured JSON logging with redaction on every path. */
import pino from 'pino';
import type { Logger as TemporalLogger, LogLevel as TemporalLogLevel, LogMetadata } from '@temporalio/common';
import type { LogLevel } from '../config';
import { collectIdentifiers, redact, redactText } from './redaction';

export type Logger = pino.Logger;

/**
 * A pino logger whose every argument (merge object, message, interpolation values) is redacted
 * before it is written; the identifiers in the merge object are kept whole wherever they appear.
 */
export function createLogger(
  options: { level?: LogLevel; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'breakwater',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // `redact` already reduced errors to name, type and message; pino's default `err` serializer
      // would overwrite that `type` with the constructor name of the plain object ("Object").
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          // The identifiers of the call's fields stay whole in its message too.
          const identifiers = new Set<string>();
          for (const arg of args) collectIdentifiers(arg, identifiers);
          const safe = args.map((arg) =>
            typeof arg === 'string' ? redactText(arg, identifiers) : redact(arg, identifiers),
          );
          return method.apply(this, safe as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

const LEVELS: Record<TemporalLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Adapts a pino logger to the Temporal SDK's logger, so SDK, workflow and activity logs are redacted too. */
export class TemporalLoggerAdapter implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: TemporalLogLevel, message: string, meta?: LogMetadata): void {
    this.logger[LEVELS[level]]({ ...(meta ?? {}) }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
