/**
 * The zod pieces that read an environment variable's text (already trimmed, never blank) into its
 * typed value. Each piece records its allowed values in words, for the generated docs.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';
import { parseUsd, usdToMicros } from '../money';

/** A schema of a variable's text. */
export type EnvSchema<Value = unknown> = z.ZodType<Value, string>;

const allowedValues = z.registry<{ allowed: string }>();

export function allowing<S extends z.ZodType>(schema: S, allowed: string): S {
  allowedValues.add(schema, { allowed });
  return schema;
}

/** The allowed values of `schema` in words (markdown), also through the transforms piped after it. */
export function allowedValuesOf(schema: z.ZodType): string | undefined {
  const own = allowedValues.get(schema)?.allowed;
  if (own !== undefined || !(schema instanceof z.ZodPipe)) return own;
  return allowedValuesOf(schema.in as z.ZodType);
}

/** Any text. */
export const text = allowing(z.string(), 'text');

function range(min: number, max: number) {
  const unbounded = max === Number.MAX_SAFE_INTEGER;
  const between = `must be between ${min} and ${max}`;
  return z
    .number()
    .min(min, unbounded ? `must be at least ${min}` : between)
    .max(max, unbounded ? `must be at most ${max}` : between);
}

/** A whole number from `min` to `max` (default: no upper bound). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): EnvSchema<number> {
  const allowed = max === Number.MAX_SAFE_INTEGER ? `integer >= ${min}` : `integer, ${min} to ${max}`;
  return allowing(
    z
      .string()
      .regex(/^-?\d+$/, 'must be an integer')
      .transform(Number)
      .pipe(range(min, max)),
    allowed,
  );
}

/** A number (fractions allowed) from `min` to `max`. */
export function decimal(min: number, max: number): EnvSchema<number> {
  const allowed = `number, ${min} to ${max}`;
  return allowing(
    z
      .string()
      .refine((value) => Number.isFinite(Number(value)), 'must be a number')
      .transform(Number)
      .pipe(range(min, max)),
    allowed,
  );
}

/** Why `path` cannot be read as a file, or undefined when it can. */
function unreadableFile(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `not a file '${path}'`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no such file '${path}'` : `cannot read '${path}' (${code ?? 'error'})`;
  }
}

/** The path of a file that exists and can be read now (a certificate, a key, a config file). */
export const readableFile = allowing(
  z.string().check((context) => {
    const problem = unreadableFile(context.value);
    // The path is in the message: no `input`, so it is not shown twice.
    if (problem !== undefined) context.issues.push({ code: 'custom', input: undefined, message: problem });
  }),
  'path of a readable file',
);

/** Seconds → milliseconds, rounded to the millisecond. */
export const secondsToMs = (seconds: number): number => Math.round(seconds * 1000);

/** An amount of USD written exactly (at most 6 decimals) from 0 to `maxUsd`, read as micro-dollars. */
export function usd(maxUsd: number): EnvSchema<number> {
  return allowing(
    z.string().transform((value, context) => {
      const micros = parseUsd(value);
      if (micros !== undefined && micros <= usdToMicros(maxUsd)) return micros;
      context.issues.push({
        code: 'custom',
        input: value,
        message:
          micros === undefined
            ? 'must be an amount of USD: digits, at most 6 decimals'
            : `must be at most ${maxUsd} USD`,
      });
      return z.NEVER;
    }),
    `USD, 0 to ${maxUsd}, at most 6 decimals`,
  );
}

/** A boolean: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`, in any case. */
export const boolean = allowing(
  z.stringbool({
    truthy: ['1', 'true', 'yes', 'on'],
    falsy: ['0', 'false', 'no', 'off'],
    case: 'insensitive',
    error: 'must be true, false, 1, 0, yes, no, on or off',
  }),
  '`true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`)',
);

/** One of `values`, exactly. */
export function oneOf<const Values extends readonly [string, ...string[]]>(
  values: Values,
): EnvSchema<Values[number]> {
  return allowing(
    z.enum(values, { error: `must be one of ${values.join(', ')}` }),
    values.map((value) => `\`${value}\``).join(', '),
  );
}

/** Comma-separated items, blanks left out; at least one `what`. */
export function commaList<Item>(item: EnvSchema<Item>, what: string, allowed: string): EnvSchema<Item[]> {
  return allowing(
    z
      .string()
      .transform((list) =>
        list
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== ''),
      )
      .pipe(z.array(item).min(1, `must name at least one ${what}`)),
    allowed,
  );
}

/**
 * A URL with one of `protocols` (`redis`, `https`, …), without its trailing slashes. An error never
 * shows the value: a URL may carry credentials.
 */
export function url(protocols: readonly string[]): EnvSchema<string> {
  const schemes = protocols.map((protocol) => `${protocol}:`).join(' or ');
  return allowing(
    z
      .url({
        protocol: new RegExp(`^(${protocols.join('|')})$`),
        error: `must be a URL with protocol ${schemes} (value not shown: it may carry credentials)`,
      })
      .transform((value) => value.replace(/\/+$/, '')),
    `${protocols.map((protocol) => `\`${protocol}://\``).join(' or ')} URL`,
  );
}

/** `host:port` (a name, an IPv4 address or a bracketed IPv6 address; a port from 1 to 65535). */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

function hostPort(value: string): { host: string; port: number } | undefined {
  const match = HOST_PORT.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) return undefined;
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

const hostPortItem = z.string().transform((value, context) => {
  const node = hostPort(value);
  if (node) return node;
  context.issues.push({ code: 'custom', input: value, message: 'must be host:port' });
  return z.NEVER;
});

/** Comma-separated `host:port` addresses (at least one). */
export const hostPorts = commaList(hostPortItem, 'host:port', '`host:port`, comma-separated');

/**
 * REDIS_URL: a `redis://` or `rediss://` URL, or `redis+cluster://[user:password@]host:port,host:port`
 * (the seed nodes of a Redis Cluster). An error never shows the value: it may carry credentials.
 */
const plainRedisUrl = url(['redis', 'rediss']);

export const redisUrl = allowing(
  z.string().transform((value, context) => {
    const cluster = /^redis\+cluster:\/\/(?:([^@/]*)@)?([^/?#]*)\/?$/.exec(value);
    if (!cluster) {
      const plain = plainRedisUrl.safeParse(value);
      if (plain.success) return plain.data;
      for (const { message } of plain.error.issues)
        context.issues.push({ code: 'custom', input: undefined, message });
      return z.NEVER;
    }
    const nodes = cluster[2]!.split(',').map((item) => hostPort(item.trim()));
    if (nodes.length > 0 && nodes.every((node) => node !== undefined)) {
      const [username, password] = (cluster[1] ?? '').split(':').map(decodeURIComponent);
      return { nodes, ...(username ? { username } : {}), ...(password ? { password } : {}) };
    }
    context.issues.push({
      code: 'custom',
      input: undefined,
      message: 'must be redis+cluster://host:port,host:port,… (value not shown: it may carry credentials)',
    });
    return z.NEVER;
  }),
  '`redis://` or `rediss://` URL, or `redis+cluster://host:port,host:port,…`',
);

/**
 * A JSON object with these fields (a field with a default may be missing); another field is refused
 * by name.
 *
 * @param mapsTo - What the value should look like, for the error when it is not an object.
 */
export function jsonFields<Shape extends z.ZodRawShape>(shape: Shape, mapsTo: string) {
  const expected = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has unknown field '${issue.keys.join("', '")}' (expected ${expected})`
        : `must map to ${mapsTo}`,
  });
}

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A JSON object whose keys pass `key` and whose values pass `value`, e.g. `{"search": {"rpm": 30}}`.
 * Every key stays an own property of the result, `__proto__` included.
 *
 * @param notAnObject - The problem when the JSON is not an object.
 * @param allowed - The allowed values in words, for the docs.
 */
export function jsonRecord<Value>(
  key: z.ZodType<string, string>,
  value: z.ZodType<Value>,
  notAnObject: string,
  allowed: string,
): EnvSchema<Record<string, Value>> {
  return allowing(
    z
      .string()
      .transform((json, context): unknown => {
        try {
          return JSON.parse(json);
        } catch (error) {
          // Not the text itself as the input: an error shows the parser's reason, not the whole value.
          context.issues.push({
            code: 'custom',
            input: undefined,
            message: `must be JSON (${(error as Error).message})`,
          });
          return z.NEVER;
        }
      })
      .pipe(z.custom<Record<string, unknown>>(isJsonObject, notAnObject))
      .transform((object) => new Map(Object.entries(object)))
      .pipe(z.map(key, value))
      .transform((entries) => Object.fromEntries(entries)),
    allowed,
  );
}
