/** Parsing input with a zod schema into a refusal that names the first bad field (`request.messages[3].tool_call_id`). */
import type { z } from 'zod';
import { NonRetryableInputError } from '../errors';

interface Problem {
  path: readonly PropertyKey[];
  message: string;
}

function fieldOf(root: string, path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((field, part) => {
    if (typeof part === 'number') return `${field}[${part}]`;
    return field === '' ? String(part) : `${field}.${String(part)}`;
  }, root);
}

/** A value of the wrong kind altogether (not a string where a string or parts were expected, …). */
const isKindMismatch = (issue: z.core.$ZodIssue) => issue.code === 'invalid_type' && issue.path.length === 0;

/**
 * What an issue says, at the field it is about: an unknown key is that key's own field, and a union
 * (a string or parts, …) reports the problem inside the branch that matched the value's kind.
 */
function problemOf(issue: z.core.$ZodIssue): Problem {
  if (issue.code === 'unrecognized_keys') {
    return { path: [...issue.path, issue.keys[0] ?? ''], message: 'is not a known field' };
  }
  if (issue.code === 'invalid_union') {
    const inner = issue.errors
      .find((branch) => !branch.every(isKindMismatch))
      ?.find((i) => !isKindMismatch(i));
    if (inner !== undefined) {
      const problem = problemOf(inner);
      return { path: [...issue.path, ...problem.path], message: problem.message };
    }
  }
  return { path: issue.path, message: issue.message };
}

/** `value` parsed by `schema`; throws `NonRetryableInputError` naming the first bad field under `root`. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const problem = issue ? problemOf(issue) : { path: [], message: 'is invalid' };
  const field = fieldOf(root, problem.path);
  throw new NonRetryableInputError(`${field}: ${problem.message}`, field);
}
