import type { z } from 'zod';

/** A configuration value is wrong: the message names the variable (and never echoes a secret). */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/**
 * The `ConfigError` of a variable whose value its schema refused: one `problem (got value)` per
 * issue, where a value inside JSON is located by `key '…' field '…'`. The value is shown only when
 * the parse reported it (never for a secret), and only when it is a scalar.
 */
export function configErrorOf(variable: string, error: z.ZodError): ConfigError {
  const problems = error.issues.map((issue) => {
    const where = issue.path.map((segment, depth) =>
      typeof segment === 'number'
        ? `item ${segment + 1}`
        : `${depth === 0 ? 'key' : 'field'} '${String(segment)}'`,
    );
    // A refused record key is already shown by its place.
    const shown = issue.input === issue.path.at(-1) ? undefined : shownValue(issue.input);
    return [...where, issue.message, ...(shown === undefined ? [] : [`(got ${shown})`])].join(' ');
  });
  return new ConfigError(variable, [...new Set(problems)].join('; '));
}

function shownValue(value: unknown): string | undefined {
  if (typeof value === 'string') return `'${value}'`;
  return typeof value === 'number' || typeof value === 'boolean' || value === null
    ? String(value)
    : undefined;
}
