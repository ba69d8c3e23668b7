/**
 * The budget ceilings as operators name them (`run-usd`, `operation-usd:<name>`, `turn-tokens`, …),
 * where the store keeps each (`CeilingField`), and the values `budget set` takes for them. The
 * store keeps money in integer micro-dollars; operators write and read US dollars.
 */
import type { CeilingField } from '../budget/token-manager';
import { microsToUsd, parseUsd, usdToMicros } from '../money';
import { parseClientName, parseWholeNumber } from './arguments';

/** A ceiling as operators name it, and where the store keeps it. */
export interface FieldSpec {
  name: string;
  field: CeilingField;
  money: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'run-usd', field: 'run', money: true },
  { name: 'operation-usd', field: 'operation', money: true },
  { name: 'daily-usd', field: 'daily', money: true },
  { name: 'turn-tokens', field: 'turnTokens', money: false },
  { name: 'turn-tool-calls', field: 'turnCalls', money: false },
];

const OPERATION_FIELD = 'operation-usd:';
const STORE_OPERATION_FIELD = 'operation:';

/** The field names `budget set` takes. */
export const FIELD_NAMES = [
  'run-usd',
  'operation-usd',
  `${OPERATION_FIELD}<operation>`,
  'daily-usd',
  'turn-tokens',
  'turn-tool-calls',
];

/** The largest USD ceiling `set` takes: its micro-dollars stay exact in Redis and in Lua numbers. */
const MAX_USD = 1_000_000_000;

/** The field argument of `set`: one of FIELD_NAMES. */
export function parseField(value: string): FieldSpec {
  const known = FIELDS.find((spec) => spec.name === value);
  if (known) return known;
  if (value.startsWith(OPERATION_FIELD)) {
    const operation = parseClientName(value.slice(OPERATION_FIELD.length), 'operation', '<field>');
    return { name: value, field: `${STORE_OPERATION_FIELD}${operation}`, money: true };
  }
  throw new RangeError(`<field>: unknown field '${value}' (expected: ${FIELD_NAMES.join(', ')})`);
}

/**
 * The value argument of `set`: USD (at most 6 decimals) or a whole count, >= 0; `default` is null.
 * Returns the amount as the store keeps it (micro-dollars or the count).
 */
export function parseCeilingValue(value: string, spec: FieldSpec): number | null {
  if (value === 'default') return null;
  if (spec.money) {
    const micros = parseUsd(value);
    if (micros === undefined) {
      throw new RangeError(
        `<value>: '${value}' is not an amount of USD >= 0 with at most 6 decimals, nor 'default'`,
      );
    }
    if (micros > usdToMicros(MAX_USD)) throw new RangeError(`<value>: must be at most ${MAX_USD} USD`);
    return micros;
  }
  const count = parseWholeNumber(value);
  if (count !== undefined) return count;
  throw new RangeError(
    /^\d+$/.test(value)
      ? `<value>: '${value}' is too large`
      : `<value>: '${value}' is not a whole number >= 0, nor 'default'`,
  );
}

/** The operation whose own per-call ceiling `spec` is, if it is one (`operation-usd:<name>`). */
export function operationOf(spec: FieldSpec): string | undefined {
  return spec.field.startsWith(STORE_OPERATION_FIELD)
    ? spec.field.slice(STORE_OPERATION_FIELD.length)
    : undefined;
}

/** An amount of `spec` as the store keeps it, in the unit operators read: USD for money, else the count. */
export function inOperatorUnit(spec: FieldSpec, stored: number): number {
  return spec.money ? microsToUsd(stored) : stored;
}

/** The unit of a field's values as operators read them. */
export function unitOf(spec: FieldSpec): 'usd' | 'tokens' | 'calls' {
  return spec.money ? 'usd' : spec.field === 'turnTokens' ? 'tokens' : 'calls';
}

/** A stored ceiling field (`run`, `operation:<name>`, `turnTokens`, …) by its operator name. */
export function operatorName(storeField: string): { name: string; money: boolean } {
  if (storeField.startsWith(STORE_OPERATION_FIELD)) {
    return { name: `${OPERATION_FIELD}${storeField.slice(STORE_OPERATION_FIELD.length)}`, money: true };
  }
  const spec = FIELDS.find((candidate) => candidate.field === storeField);
  return spec ? { name: spec.name, money: spec.money } : { name: storeField, money: false };
}
