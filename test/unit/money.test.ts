import { describe, expect, it } from 'vitest';
import { formatUsd, microsToUsd, parseUsd, usdToMicros } from '../../src/money';

describe('money', () => {
  it('converts USD to micro-dollars and back', () => {
    expect(usdToMicros(5)).toBe(5_000_000);
    expect(usdToMicros(0.1 + 0.2)).toBe(300_000);
    expect(microsToUsd(2_368)).toBe(0.002368);
  });

  it.each([
    ['5', 5_000_000],
    ['0.25', 250_000],
    ['0.000001', 1],
    ['1000000000', 1_000_000_000_000_000],
    ['0', 0],
  ])('parses %s USD exactly', (text, micros) => {
    expect(parseUsd(text)).toBe(micros);
  });

  it.each(['-1', '0.0000001', '1e3', '', ' 5', '5.', '.5', 'five'])('refuses %j', (text) => {
    expect(parseUsd(text)).toBeUndefined();
  });

  it.each([
    [5_000_000, '5'],
    [2_368, '0.002368'],
    [1_500_000, '1.5'],
    [-1_500_000, '-1.5'],
    [0, '0'],
  ])('formats %d micro-dollars as %s', (micros, text) => {
    expect(formatUsd(micros)).toBe(text);
  });
});
