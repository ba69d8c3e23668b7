import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger';
import { redact, redactText } from '../../src/observability/redaction';

const IDENTIFIER_FIELDS = [
  'idempotencyKey',
  'workflowId',
  'runId',
  'jobId',
  'taskQueue',
  'activityId',
  'attemptId',
] as const;

const identifier = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,80}$/);
const identifierField = fc.constantFrom(...IDENTIFIER_FIELDS);

/** Free text: lower-case words, none of which is personal data. */
const words = fc.array(fc.stringMatching(/^[a-z]{1,10}$/), { maxLength: 6 }).map((list) => list.join(' '));

const alphanumeric = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));

const email = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9][a-z0-9._%+-]{0,20}$/),
    fc.array(fc.stringMatching(/^[a-z0-9]{1,12}$/), { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-z]{2,6}$/),
  )
  .map(([local, labels, tld]) => `${local}@${labels.join('.')}.${tld}`);

const apiKey = fc.oneof(
  alphanumeric(20, 48).map((rest) => `sk-${rest}`),
  alphanumeric(20, 48).map((rest) => `sk-proj-${rest}`),
  alphanumeric(20, 48).map((rest) => `sk-ant-api03-${rest}`),
  fc.stringMatching(/^[0-9A-Z]{16}$/).map((rest) => `AKIA${rest}`),
  alphanumeric(36, 36).map((rest) => `ghp_${rest}`),
);

function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let digit = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

const cardDigits = fc
  .tuple(fc.integer({ min: 13, max: 19 }), fc.stringMatching(/^[1-9][0-9]{17}$/))
  .map(([length, digits]) => {
    const payload = digits.slice(0, length - 1);
    return `${payload}${luhnCheckDigit(payload)}`;
  });

const groupsOfFour = (value: string, separator: string) => (value.match(/.{1,4}/g) ?? []).join(separator);

const card = fc
  .tuple(cardDigits, fc.constantFrom('', ' ', '-'))
  .map(([digits, separator]) => ({ digits, printed: groupsOfFour(digits, separator) }));

function mod97(value: string): number {
  let remainder = 0;
  for (const char of value) {
    const code = char >= 'A' ? char.charCodeAt(0) - 55 : Number(char);
    remainder = (remainder * (code > 9 ? 100 : 10) + code) % 97;
  }
  return remainder;
}

const iban = fc
  .tuple(fc.stringMatching(/^[A-Z]{2}$/), fc.stringMatching(/^[A-Z0-9]{11,30}$/), fc.boolean())
  .map(([country, bban, spaced]) => {
    const check = String(98 - mod97(`${bban}${country}00`)).padStart(2, '0');
    const compact = `${country}${check}${bban}`;
    return { compact, printed: spaced ? groupsOfFour(compact, ' ') : compact };
  });

const embedded = <T>(secret: fc.Arbitrary<T>) => fc.tuple(words, secret, words);

describe('redaction properties', () => {
  it('never alters an identifier of the validated shape in an identifier field', () => {
    fc.assert(
      fc.property(identifierField, identifier, (field, id) => {
        expect(redact({ [field]: id })).toEqual({ [field]: id });
        expect(redact({ task: { [field]: id } })).toEqual({ task: { [field]: id } });
      }),
    );
  });

  it('never alters an identifier of a field where the same log call mentions it in text', () => {
    fc.assert(
      fc.property(identifierField, identifier, words, words, (field, id, before, after) => {
        const text = `${before} ${id} ${after}`;
        expect(redact({ [field]: id, note: text })).toEqual({ [field]: id, note: text });
        expect(redactText(text, new Set([id]))).toBe(text);
      }),
    );
  });

  it('never alters an identifier named by its field in text', () => {
    fc.assert(
      fc.property(
        identifierField,
        identifier,
        fc.constantFrom('=', ': ', ' '),
        words,
        (field, id, sep, after) => {
          const text = `${field}${sep}${id} ${after}`;
          expect(redactText(text)).toBe(text);
        },
      ),
    );
  });

  it('always removes an email from free text', () => {
    fc.assert(
      fc.property(embedded(email), ([before, secret, after]) => {
        expect(redactText(`${before} ${secret} ${after}`)).not.toContain(secret);
      }),
    );
  });

  it('always removes an API key from free text', () => {
    fc.assert(
      fc.property(embedded(apiKey), ([before, secret, after]) => {
        expect(redactText(`${before} ${secret} ${after}`)).toBe(`${before} [SECRET] ${after}`);
      }),
    );
  });

  it('always removes a Luhn-valid card number from free text', () => {
    fc.assert(
      fc.property(embedded(card), ([before, { printed, digits }, after]) => {
        const redacted = redactText(`${before} ${printed} ${after}`);
        expect(redacted).toBe(`${before} [CARD] ${after}`);
        expect(redacted.replace(/\D/g, '')).not.toContain(digits);
      }),
    );
  });

  it('always removes a mod-97-valid IBAN from free text', () => {
    fc.assert(
      // Ended by punctuation: a short word right after an IBAN can extend it into another valid one
      // (1 time in 97), and is then redacted with it.
      fc.property(embedded(iban), ([before, { printed, compact }, after]) => {
        const redacted = redactText(`${before} ${printed}. ${after}`);
        expect(redacted).toBe(`${before} [IBAN]. ${after}`);
        expect(redacted.replace(/\s/g, '')).not.toContain(compact);
      }),
    );
  });

  it('removes free-text secrets from a log call that also carries identifiers', () => {
    fc.assert(
      fc.property(identifierField, identifier, email, iban, (field, id, secret, account) => {
        const out = JSON.stringify(redact({ [field]: id, note: `from ${secret} to ${account.printed}` }));
        expect(out).not.toContain(secret);
        expect(out).not.toContain(account.printed);
      }),
    );
  });
});

describe('demo ids (regression)', () => {
  const demoIds = Array.from({ length: 1000 }, (_, i) => {
    const stamp = new Date(Date.UTC(2026, 0, 1) + i * 7_919_000)
      .toISOString()
      .replace(/\D/g, '')
      .slice(0, 14);
    return `demo-${stamp}-${String(i % 1000).padStart(3, '0')}`;
  });

  it('some of them pass the Luhn check, so the card rule alone would take them', () => {
    expect(
      demoIds.filter((id) => redactText(`at ${id.slice(5)} ok`) !== `at ${id.slice(5)} ok`).length,
    ).toBeGreaterThan(0);
  });

  it('leaves every one whole in idempotencyKey, workflowId and runId fields and in their messages', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    for (const id of demoIds) {
      const workflowId = `bw-task-${id}`;
      const fields = { idempotencyKey: id, workflowId, runId: id };
      expect(redact(fields)).toEqual(fields);
      logger.info(fields, `task ${id} started as ${workflowId}`);
      logger.info(`replaying workflowId=${workflowId} idempotencyKey: ${id}`);
    }
    expect(lines).toHaveLength(2000);
    demoIds.forEach((id, i) => {
      const workflowId = `bw-task-${id}`;
      expect(JSON.parse(lines[2 * i] ?? '')).toMatchObject({
        idempotencyKey: id,
        workflowId,
        runId: id,
        msg: `task ${id} started as ${workflowId}`,
      });
      expect(JSON.parse(lines[2 * i + 1] ?? '')).toMatchObject({
        msg: `replaying workflowId=${workflowId} idempotencyKey: ${id}`,
      });
    });
  });
});
