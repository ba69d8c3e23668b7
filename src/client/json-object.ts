/** A JSON object in a request (a tool's parameters, a response schema, provider options), passed on as given. */
import { z } from 'zod';

/** How deep a JSON object may nest: enough for any schema, and a cycle stops here. */
const MAX_DEPTH = 64;
/** Its size as JSON text, like any other text of a request (the tokenizer reads all of it). */
const MAX_JSON_CHARS = 1_000_000;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** The path to the first value of `value` that JSON cannot hold as it is, if any. */
function nonJsonPath(value: unknown, depth: number): PropertyKey[] | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : [];
  if (depth >= MAX_DEPTH) return [];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [index, item] as const)
    : isPlainObject(value)
      ? // An undefined property is left out of the JSON, as the payload converter leaves it out.
        Object.entries(value).filter(([, item]) => item !== undefined)
      : undefined;
  if (entries === undefined) return [];
  for (const [key, item] of entries) {
    const path = nonJsonPath(item, depth + 1);
    if (path !== undefined) return [key, ...path];
  }
  return undefined;
}

/** A plain object of JSON values (finite numbers, strings, booleans, null, arrays, objects), at most 1,000,000 characters as JSON. */
export const jsonObject = z
  .custom<Record<string, unknown>>(isPlainObject, 'must be a JSON object')
  .superRefine((value, context) => {
    const path = nonJsonPath(value, 0);
    if (path !== undefined) {
      context.addIssue({
        code: 'custom',
        path,
        message: `must be JSON: finite numbers, strings, booleans, null, arrays and plain objects, at most ${MAX_DEPTH} deep`,
      });
    } else if (JSON.stringify(value).length > MAX_JSON_CHARS) {
      context.addIssue({ code: 'custom', message: 'must be at most 1,000,000 characters as JSON' });
    }
  });
