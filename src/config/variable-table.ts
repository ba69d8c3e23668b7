/** What a row of a configuration table is, and how a table is read from the environment. */
import type { z } from 'zod';
import { configErrorOf } from './config-error';
import type { EnvSchema } from './schemas';

/** A default that is not env text: `loadConfig` derives it from other values, or there is none. */
export interface DerivedDefault {
  /** The default in words (markdown), for the docs. */
  readonly derived: string;
}

/** A default derived by `loadConfig`, documented as `words`. */
export const derived = (words: string): DerivedDefault => ({ derived: words });

/** No default: the value stays unset. */
export const NO_DEFAULT = derived('(none)');

/** One environment variable. */
export interface ConfigVariable {
  /** The env text read when the variable is unset or blank, or a derived default. */
  readonly default: string | DerivedDefault;
  /** Reads the (trimmed) text into the typed value, refusing what is not allowed. */
  readonly schema: EnvSchema;
  /** What it does, for the docs (markdown). */
  readonly description: string;
  /** Its value may carry a credential (a key, a URL): an error never shows the value. */
  readonly secret?: true;
}

/** Variables by name (or by name suffix, for the per-provider table). */
export type VariableTable = Readonly<Record<string, ConfigVariable>>;

/** The typed values of a table: a variable with a derived default is undefined when unset. */
export type VariableValues<Table extends VariableTable> = {
  -readonly [Name in keyof Table]: Table[Name]['default'] extends string
    ? z.output<Table[Name]['schema']>
    : z.output<Table[Name]['schema']> | undefined;
};

type Env = Record<string, string | undefined>;

/**
 * Reads every variable of `table` from `env`: the variable `prefix + name`, trimmed, a blank
 * value counting as unset.
 *
 * @throws ConfigError naming the first variable whose value (or default) its schema refuses.
 */
export function readVariables<Table extends VariableTable>(
  table: Table,
  env: Env,
  prefix = '',
): VariableValues<Table> {
  const values = Object.entries(table).map(([name, variable]) => {
    const text = env[prefix + name]?.trim() || textDefault(variable);
    const value = text === undefined ? undefined : parseVariable(prefix + name, variable, text);
    return [name, value];
  });
  return Object.fromEntries(values) as VariableValues<Table>;
}

function textDefault(variable: ConfigVariable): string | undefined {
  return typeof variable.default === 'string' ? variable.default : undefined;
}

/**
 * Reads one variable's text with its schema.
 *
 * @throws ConfigError `NAME: problem (got value)`; the value is left out for a secret.
 */
export function parseVariable<Value>(
  name: string,
  variable: { schema: EnvSchema<Value>; secret?: true },
  text: string,
): Value {
  const result = variable.schema.safeParse(text, { reportInput: variable.secret !== true });
  if (!result.success) throw configErrorOf(name, result.error);
  return result.data;
}
