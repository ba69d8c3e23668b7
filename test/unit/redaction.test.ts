import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/errors';
import { createLogger } from '../../src/observability/logger';
import { redact, redactText } from '../../src/observability/redaction';

const OPENAI_KEY = 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z';
const ANTHROPIC_KEY = 'sk-ant-api03-Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('redactText', () => {
  describe('emails', () => {
    it.each(['jane.doe@example.com', 'j.o+tag_1%x@mail.example.co.uk', 'OPS-TEAM@Example.ORG'])(
      'redacts %s',
      (email) => {
        expect(redactText(`contact ${email} now`)).toBe('contact [EMAIL] now');
      },
    );

    it('redacts every email in the text', () => {
      expect(redactText('a@b.io, c@d.io')).toBe('[EMAIL], [EMAIL]');
    });
  });

  describe('phone numbers', () => {
    it.each(['+44 20 7946 0958', '(415) 555-0132', '415-555-0132', '+1 415 555 0132', '415.555.0132'])(
      'redacts %s',
      (phone) => {
        const redacted = redactText(`call ${phone} today`);
        expect(redacted).toBe('call [PHONE] today');
      },
    );
  });

  describe('API keys and tokens', () => {
    it.each([
      ['an OpenAI key', OPENAI_KEY],
      ['a legacy OpenAI key', 'sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z'],
      ['an Anthropic key', ANTHROPIC_KEY],
      ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
      ['a GitHub token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
      ['a Bearer token', 'Bearer abcdef0123456789.ghijkl'],
      ['a JWT', JWT],
    ])('redacts %s', (_label, secret) => {
      const redacted = redactText(`using ${secret} here`);
      expect(redacted).toBe('using [SECRET] here');
    });

    it('redacts the token of an Authorization header line', () => {
      const redacted = redactText('Authorization: Bearer abcdef0123456789');
      expect(redacted).toBe('Authorization: [SECRET]');
    });

    it.each([
      'api_key=abcd1234efgh',
      'apiKey: "abcd1234efgh"',
      'api-key=abcd1234efgh',
      'password=hunter22',
      'token: abcd1234efgh',
      'secret=abcd1234efgh',
    ])('redacts the assignment %s', (assignment) => {
      const redacted = redactText(`config ${assignment} loaded`);
      expect(redacted).toMatch(/^config \[SECRET\]"? loaded$/);
      expect(redacted).not.toContain('abcd1234efgh');
      expect(redacted).not.toContain('hunter22');
    });

    it('redacts an api_key query parameter', () => {
      expect(redactText('GET /v1/models?api_key=abcd1234efgh')).not.toContain('abcd1234efgh');
    });
  });

  describe('card numbers', () => {
    it.each(['4111 1111 1111 1111', '4111-1111-1111-1111', '4111111111111111', '5500 0000 0000 0004'])(
      'redacts the Luhn-valid %s',
      (card) => {
        expect(redactText(`paid with ${card} ok`)).toBe('paid with [CARD] ok');
      },
    );

    it('does not label a 16-digit number that fails Luhn as a card', () => {
      const redacted = redactText('order 4111 1111 1111 1112 ok');
      expect(redacted).not.toContain('[CARD]');
    });
  });

  describe('IBANs', () => {
    it.each([
      'DE89 3704 0044 0532 0130 00',
      'DE89370400440532013000',
      'GB82 WEST 1234 5698 7654 32',
      'FR14 2004 1010 0505 0001 3M02 606',
      'NL91ABNA0417164300',
      'be68 5390 0754 7034',
    ])('redacts the mod-97-valid %s', (iban) => {
      expect(redactText(`pay to ${iban} today`)).toBe('pay to [IBAN] today');
    });

    it('keeps a word that follows an IBAN in groups of four', () => {
      expect(redactText('pay BE68 5390 0754 7034 THEN stop')).toBe('pay [IBAN] THEN stop');
    });

    it('does not label an IBAN-shaped string that fails mod 97', () => {
      expect(redactText('ref DE88 3704 0044 0532 0130 00 ok')).not.toContain('[IBAN]');
      expect(redactText('ref DE88370400440532013000 ok')).toBe('ref DE88370400440532013000 ok');
    });
  });

  describe('IP addresses', () => {
    it.each(['192.168.1.10', '10.0.0.1', '255.255.255.255'])('redacts the IPv4 address %s', (ip) => {
      expect(redactText(`from ${ip} port`)).toBe('from [IP] port');
    });

    it.each([
      '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      '2001:db8::1',
      'fe80::1ff:fe23:4567:890a',
      '2001:db8::',
    ])('redacts the IPv6 address %s', (ip) => {
      expect(redactText(`from ${ip} port`)).toBe('from [IP] port');
    });

    it('redacts addresses at the end of a sentence and in quotes', () => {
      expect(redactText('Connected to 192.168.1.10.')).toBe('Connected to [IP].');
      expect(redactText('Connected to 2001:db8::1.')).toBe('Connected to [IP].');
      expect(redactText('host "2001:db8::7" refused')).toBe('host "[IP]" refused');
      expect(redactText('peer (fe80::1), retrying')).toBe('peer ([IP]), retrying');
    });

    it('does not take a version number for an IPv4 address', () => {
      expect(redactText('node 20.20.0 on linux')).toBe('node 20.20.0 on linux');
    });

    it('keeps loopback and unspecified addresses, which identify no one', () => {
      expect(redactText('metrics on http://127.0.0.1:9464 and 0.0.0.0')).toBe(
        'metrics on http://127.0.0.1:9464 and 0.0.0.0',
      );
    });
  });

  it.each([
    '01a20361-8f5d-745b-a7cc-c4aa23e6deba',
    '01a20361-b6e4-7455-9d8c-083dee56f12a',
    'bw-task-demo-20261122131759-000',
  ])('leaves identifiers whole: %s', (identifier) => {
    expect(redactText(`runId ${identifier} done`)).toBe(`runId ${identifier} done`);
  });

  describe('identifiers', () => {
    const demoId = 'demo-20261201210121-006';

    it('a demo id passes the Luhn check: without its field, free text rules apply', () => {
      expect(redactText(`replayed ${demoId}`)).toBe('replayed demo-[CARD]');
    });

    it('keeps an identifier the caller names, and one labeled in the text', () => {
      expect(redactText(`replayed ${demoId}`, new Set([demoId]))).toBe(`replayed ${demoId}`);
      expect(redactText(`workflowId=bw-task-${demoId} done`)).toBe(`workflowId=bw-task-${demoId} done`);
      expect(redactText(`"runId":"${demoId}"`)).toBe(`"runId":"${demoId}"`);
    });

    it('still redacts a match that only overlaps an identifier', () => {
      expect(redactText('card 4111 1111 1111 1111', new Set(['4111']))).toBe('card [CARD]');
    });

    it('keeps identifier fields of the validated shape, and their mentions elsewhere in the value', () => {
      const input = {
        workflowId: `bw-task-${demoId}`,
        idempotencyKey: demoId,
        note: `task ${demoId} failed`,
      };
      expect(redact(input)).toEqual(input);
    });

    it('applies the text rules to an identifier field that does not have the validated shape', () => {
      expect(redact({ runId: 'run for jane@example.com', jobId: '' })).toEqual({
        runId: 'run for [EMAIL]',
        jobId: '',
      });
    });
  });

  it.each([
    'retry attempt 3 of 4 after 250 ms',
    'openai answered HTTP 503 (overloaded_error)',
    'breaker for anthropic opened at 2025-03-01T12:00:00.000Z',
    'ledger cannot move from DONE to RUNNING',
    'budget scope run refused: 1200 of 1000 micro-dollars',
    '',
  ])('leaves text without personal data unchanged: %j', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it('redacts several kinds of data in one text', () => {
    const text = `user jane@example.com from 192.168.0.7 called +44 20 7946 0958 with ${OPENAI_KEY}`;
    expect(redactText(text)).toBe('user [EMAIL] from [IP] called [PHONE] with [SECRET]');
  });
});

describe('redact', () => {
  it.each([
    'prompt',
    'prompts',
    'messages',
    'content',
    'text',
    'response',
    'completion',
    'body',
    'apiKey',
    'api_key',
    'authorization',
    'Authorization',
    'x-api-key',
    'password',
    'secret',
    'token',
  ])('drops the value of the sensitive key %s', (key) => {
    const out = redact({ [key]: 'hello world', keep: 'ok' }) as Record<string, unknown>;
    expect(out[key]).toBe('[REDACTED 11 chars]');
    expect(out.keep).toBe('ok');
  });

  it('drops sensitive keys at any depth, with a length hint', () => {
    const input = {
      task: {
        request: {
          provider: 'openai',
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'my secret question' },
          ],
        },
        result: { response: { text: 'the answer' } },
        headers: { Authorization: 'Bearer abcdef0123456789' },
      },
    };
    expect(redact(input)).toEqual({
      task: {
        request: { provider: 'openai', messages: '[REDACTED 2 items]' },
        result: { response: '[REDACTED]' },
        headers: { Authorization: '[REDACTED 23 chars]' },
      },
    });
  });

  it('drops a sensitive value whatever its type', () => {
    expect(redact({ token: 12345, body: null, content: { nested: 'x' } })).toEqual({
      token: '[REDACTED]',
      body: '[REDACTED]',
      content: '[REDACTED]',
    });
  });

  it('redacts strings inside arrays and nested objects', () => {
    const input = { users: [{ email: 'a@b.io', id: 7 }, 'c@d.io'], note: { where: 'at 10.1.2.3' } };
    expect(redact(input)).toEqual({
      users: [{ email: '[EMAIL]', id: 7 }, '[EMAIL]'],
      note: { where: 'at [IP]' },
    });
  });

  it('reduces an Error to its name, type and redacted message', () => {
    const error = Object.assign(new TypeError(`refused key ${OPENAI_KEY} for jane@example.com`), {
      type: 'ProviderConfigurationError',
      request: { messages: ['hi'] },
      config: { apiKey: OPENAI_KEY },
    });
    expect(redact({ err: error })).toEqual({
      err: {
        name: 'TypeError',
        message: 'refused key [SECRET] for [EMAIL]',
        type: 'ProviderConfigurationError',
      },
    });
  });

  it('omits the type of an Error without a string type', () => {
    expect(redact(new Error('boom'))).toEqual({ name: 'Error', message: 'boom' });
  });

  it('keeps primitives and dates as they are', () => {
    const date = new Date('2025-03-01T12:00:00.000Z');
    expect(redact(42)).toBe(42);
    expect(redact(true)).toBe(true);
    expect(redact(null)).toBeNull();
    expect(redact(undefined)).toBeUndefined();
    expect(redact(date)).toBe(date);
  });

  it('does not modify its input', () => {
    const input = { user: { email: 'a@b.io' }, prompt: 'secret' };
    redact(input);
    expect(input).toEqual({ user: { email: 'a@b.io' }, prompt: 'secret' });
  });

  it('truncates structures nested too deeply', () => {
    let deep: unknown = 'leaf a@b.io';
    for (let i = 0; i < 12; i++) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).toContain('[TRUNCATED]');
    expect(JSON.stringify(redact(deep))).not.toContain('a@b.io');
  });
});

describe('createLogger', () => {
  function capture() {
    const lines: string[] = [];
    const destination = { write: (line: string) => void lines.push(line) };
    return { lines, logger: createLogger({ level: 'info', destination }) };
  }

  it('writes one JSON line without any of the secrets in the log call', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        task: { idempotencyKey: 'task-1', user: { contact: 'jane.doe@example.com' } },
        messages: [{ role: 'user', content: 'my private medical question' }],
        headers: { authorization: `Bearer ${OPENAI_KEY}` },
      },
      `calling openai with key ${ANTHROPIC_KEY}`,
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    for (const secret of [
      'jane.doe@example.com',
      'my private medical question',
      OPENAI_KEY,
      ANTHROPIC_KEY,
      'sk-proj',
      'sk-ant',
    ]) {
      expect(line).not.toContain(secret);
    }
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'info',
      name: 'breakwater',
      msg: 'calling openai with key [SECRET]',
      task: { idempotencyKey: 'task-1', user: { contact: '[EMAIL]' } },
      messages: '[REDACTED 1 items]',
      headers: { authorization: expect.stringMatching(/^\[REDACTED \d+ chars\]$/) },
    });
    expect(typeof entry.time).toBe('string');
  });

  it('redacts interpolation values and a message-only call', () => {
    const { lines, logger } = capture();
    logger.warn('retrying for %s at %s', 'jane@example.com', '10.0.0.8');
    logger.error(`token ${JWT} rejected`);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'warn', msg: 'retrying for [EMAIL] at [IP]' });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ level: 'error', msg: 'token [SECRET] rejected' });
  });

  it('redacts an error logged under err and keeps its Breakwater type', () => {
    const { lines, logger } = capture();
    const error = new RateLimitedError('rate limited for jane@example.com', { provider: 'openai' }, 1000);
    logger.error({ err: error }, 'provider call failed');
    const line = lines[0] ?? '';
    expect(line).not.toContain('jane@example.com');
    expect(JSON.parse(line)).toMatchObject({
      err: { name: 'RateLimitedError', type: 'RateLimitedError', message: 'rate limited for [EMAIL]' },
    });
  });

  it('respects the level', () => {
    const { lines, logger } = capture();
    logger.debug('not written');
    expect(lines).toHaveLength(0);
  });
});
