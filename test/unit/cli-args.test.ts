import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  JSON_FLAG,
  parseArgs,
  parseDuration,
  parseProviderName,
  synopsis,
  UsageError,
  type CommandSpec,
} from '../../src/cli/args';

const OPEN: CommandSpec = {
  name: 'open',
  summary: 'force a breaker open',
  positionals: [{ name: 'provider', description: 'a provider' }],
  flags: [
    { name: 'for', kind: 'duration', valueName: 'duration', required: true, description: 'how long' },
    { name: 'note', kind: 'string', description: 'a note' },
    JSON_FLAG,
  ],
};

const STATUS: CommandSpec = { name: 'status', summary: 'status', positionals: [], flags: [JSON_FLAG] };

function parseError(argv: string[], spec: CommandSpec = OPEN): Error {
  try {
    parseArgs(argv, spec, `breaker ${spec.name}`);
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error(`parseArgs accepted ${JSON.stringify(argv)}`);
}

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

describe('parseArgs', () => {
  it('reads positionals, a duration flag in both spellings, a string flag and a boolean flag', () => {
    const spaced = parseArgs(['fake', '--for', '30s', '--json'], OPEN, 'breaker open');
    expect(spaced.help).toBe(false);
    expect(spaced.positional('provider')).toBe('fake');
    expect(spaced.duration('for')).toBe(30_000);
    expect(spaced.boolean('json')).toBe(true);
    expect(spaced.string('note')).toBeUndefined();

    const inline = parseArgs(['--for=2h', '--note=deploy', 'fake'], OPEN, 'breaker open');
    expect(inline.positional('provider')).toBe('fake');
    expect(inline.duration('for')).toBe(7_200_000);
    expect(inline.string('note')).toBe('deploy');
    expect(inline.boolean('json')).toBe(false);
  });

  it('takes everything after -- as positionals', () => {
    const args = parseArgs(['--for', '1m', '--', '--odd'], OPEN, 'breaker open');
    expect(args.positional('provider')).toBe('--odd');
  });

  it('short-circuits on --help or -h without checking the rest', () => {
    expect(parseArgs(['--help'], OPEN, 'breaker open').help).toBe(true);
    expect(parseArgs(['--bogus', '-h'], OPEN, 'breaker open').help).toBe(true);
  });

  it('names an unknown flag and lists the expected ones', () => {
    const error = parseError(['--jsn'], STATUS);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe("unknown flag '--jsn' for 'breaker status' (expected: --json, --help)");
    expect(parseError(['fake', '-f', '1m']).message).toMatch(/^unknown flag '-f' for 'breaker open'/);
  });

  it('names a missing required flag', () => {
    const error = parseError(['fake']);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe("missing --for <duration> for 'breaker open'");
  });

  it('names a flag whose value is missing', () => {
    expect(parseError(['fake', '--for']).message).toBe('--for: needs a value <duration>');
    expect(parseError(['fake', '--for', '--json']).message).toBe('--for: needs a value <duration>');
    expect(parseError(['fake', '--for=']).message).toBe('--for: needs a value <duration>');
  });

  it('passes the RangeError of a bad duration through, naming the flag', () => {
    const error = parseError(['fake', '--for', 'soon']);
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/^--for: 'soon' is not a duration/);
    expect(parseError(['fake', '--for=-5s']).message).toMatch(/^--for: '-5s' is not a duration/);
  });

  it('refuses a value on a boolean flag and a flag given twice', () => {
    expect(parseError(['--json=yes'], STATUS).message).toBe('--json: takes no value');
    expect(parseError(['fake', '--for', '1m', '--for', '2m']).message).toBe('--for: given more than once');
  });

  it('names a missing positional and an unexpected one', () => {
    const missing = parseError(['--for', '1m']);
    expect(missing).toBeInstanceOf(UsageError);
    expect(missing.message).toBe("missing <provider> for 'breaker open'");
    expect(parseError(['fake', 'extra', '--for', '1m']).message).toBe(
      "unexpected argument 'extra' for 'breaker open'",
    );
    expect(parseError(['fake'], STATUS).message).toBe("unexpected argument 'fake' for 'breaker status'");
  });
});

describe('synopsis', () => {
  it('shows positionals, required flags bare and optional flags in brackets', () => {
    expect(synopsis(OPEN, 'breaker open')).toBe(
      'breaker open <provider> --for <duration> [--note <string>] [--json]',
    );
    expect(synopsis(STATUS, 'status')).toBe('status [--json]');
  });
});
