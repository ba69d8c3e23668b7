/**
 * Money: budgets, prices and Redis keep integer micro-dollars, so sums stay exact under any number
 * of concurrent charges; people read and write US dollars. Every conversion goes through here.
 */

export const MICROS_PER_USD = 1_000_000;

/** USD → micro-dollars, rounded to the nearest micro-dollar. */
export function usdToMicros(usd: number): number {
  return Math.round(usd * MICROS_PER_USD);
}

/** Micro-dollars → USD (a float, for display and metrics). */
export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}

const USD_TEXT = /^(\d+)(?:\.(\d{1,6}))?$/;

/**
 * Reads an amount of USD written by a person (`5`, `0.25`, `0.000001`) exactly, without float
 * rounding: digits with at most 6 decimals, >= 0. Returns micro-dollars, or undefined for any other text.
 */
export function parseUsd(text: string): number | undefined {
  const match = USD_TEXT.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * MICROS_PER_USD + Number((match[2] ?? '').padEnd(6, '0'));
}

/** Micro-dollars as USD for people: up to 6 decimals, no trailing zeros (`0.002368`, `5`, `-1.5`). */
export function formatUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const magnitude = Math.abs(micros);
  const whole = Math.floor(magnitude / MICROS_PER_USD);
  const fraction = String(magnitude % MICROS_PER_USD)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}
