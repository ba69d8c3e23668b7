/**
 * The checks and parsers of argument values the commands share: durations, provider names, the
 * names the client checks (job ids, run ids, turns, operations) and whole numbers.
 *
 * Each throws a `RangeError` whose message starts with the argument it names (`--for: …`,
 * `<jobId>: …`): the CLI shows it with the command's usage and exits 2. None of them touches the
 * environment, Redis or the terminal.
 */
import { optionsSchema } from '../client/validation';
import { PROVIDER_NAME } from '../config';

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

/** Checks a provider name as LLM_PROVIDERS does; throws a `RangeError` that names `argument`. */
export function parseProviderName(value: string, argument: string): string {
  if (!PROVIDER_NAME.test(value)) {
    throw new RangeError(
      `${argument}: '${value}' is not a provider name (a lowercase letter, then up to 31 of a-z, 0-9, '_' and '-')`,
    );
  }
  return value;
}

/** The names the client checks, by the option it checks them as (a job id is an idempotency key). */
export type ClientName = 'idempotencyKey' | 'runId' | 'turn' | 'operation';

/** Checks a name as the client checks `options[name]`; throws a `RangeError` that names `argument`. */
export function parseClientName(value: string, name: ClientName, argument: string): string {
  const result = optionsSchema.shape[name].safeParse(value);
  if (!result.success) {
    throw new RangeError(`${argument}: '${value}' ${result.error.issues[0]?.message ?? 'is not valid'}`);
  }
  return value;
}

/** A whole number >= 0 written in digits only, or undefined for any other text (or one too large to be exact). */
export function parseWholeNumber(value: string): number | undefined {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(number) ? number : undefined;
}
