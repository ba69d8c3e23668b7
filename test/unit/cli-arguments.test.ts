import { describe, expect, it } from 'vitest';
import { parseClientName, parseDuration, parseProviderName, parseWholeNumber } from '../../src/cli/arguments';
import { formatDuration } from '../../src/cli/views/format';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1500', 1500],
    ['0', 0],
    ['1.5s', 1500],
    ['0.5h', 1_800_000],
    [' 30s ', 30_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text, '--for')).toBe(ms);
  });

  it.each(['soon', '', '10 m', '-5s', '5d', '1e3', 's', '10ms5', '1,5s', 'Infinity'])(
    'refuses %j with a RangeError naming the flag',
    (text) => {
      const call = () => parseDuration(text, '--for');
      expect(call).toThrow(RangeError);
      expect(call).toThrow(/^--for: '.*' is not a duration/);
    },
  );

  it('refuses a duration too long to count in milliseconds', () => {
    expect(() => parseDuration(`${'9'.repeat(20)}h`, '--window')).toThrow(/^--window: .* is too long/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1000, '1s'],
    [41_001, '42s'],
    [59_999, '1m'],
    [60_000, '1m'],
    [90_000, '1m 30s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [7_500_000, '2h 5m'],
  ])('shows %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('parseProviderName', () => {
  it.each(['openai', 'anthropic', 'fake', 'local-llm_2', 'a'])('accepts %j', (name) => {
    expect(parseProviderName(name, '<provider>')).toBe(name);
  });

  it.each(['Bad!', 'OpenAI', '1abc', '-x', '', 'a'.repeat(33), 'a b'])(
    'refuses %j naming the argument',
    (name) => {
      const call = () => parseProviderName(name, '<provider>');
      expect(call).toThrow(RangeError);
      expect(call).toThrow(/^<provider>: '.*' is not a provider name/);
    },
  );
});

describe('parseClientName', () => {
  it('accepts what the client accepts', () => {
    expect(parseClientName('job-1:a.b_c', 'idempotencyKey', '<jobId>')).toBe('job-1:a.b_c');
    expect(parseClientName('r1', 'runId', '--run')).toBe('r1');
  });

  it("refuses what the client refuses, with the client's reason, naming the argument", () => {
    const call = () => parseClientName('a|b', 'runId', '--run');
    expect(call).toThrow(RangeError);
    expect(call).toThrow(/^--run: 'a\|b' must be letters/);
    expect(() => parseClientName('x'.repeat(101), 'turn', '--turn')).toThrow(/^--turn: 'x+' /);
  });
});

describe('parseWholeNumber', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['007', 7],
  ])('reads %j as %d', (text, number) => {
    expect(parseWholeNumber(text)).toBe(number);
  });

  it.each(['', '-1', '1.5', '1e3', ' 1', 'ten', '9'.repeat(20)])('refuses %j', (text) => {
    expect(parseWholeNumber(text)).toBeUndefined();
  });
});
