/**
 * Reads what is kept of a task at rest (its history as the `temporal` CLI shows it, the dev
 * server's SQLite file) and finds a prompt's secrets in it in any encoding.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);

/** `temporal workflow show --output json` of one workflow, with extra CLI arguments (a codec endpoint, say). */
export async function workflowShow(workflowId: string, extra: string[] = []): Promise<string> {
  const stack = inject('stack');
  const { stdout } = await run(
    stack.temporalCli,
    [
      'workflow',
      'show',
      '--address',
      stack.temporalAddress,
      '--namespace',
      stack.namespace,
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      ...extra,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** Every failure of a history (`workflowShow`'s JSON), causes included, as JSON text: messages, stack traces, encoded attributes. */
export function failuresOf(historyJson: string): string {
  const failures: unknown[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'failure') failures.push(child);
        else visit(child);
      }
    }
  };
  visit(JSON.parse(historyJson));
  return JSON.stringify(failures);
}

/**
 * The messages in the encoded attributes of `failuresOf`'s failures, where they read as plain JSON
 * (through a codec endpoint, or written by a bundle that encodes them without encryption).
 */
export function encodedMessagesOf(failuresJson: string): string[] {
  const matches = failuresJson.matchAll(
    /"encodedAttributes":\{"metadata":\{"encoding":"([^"]*)"\},"data":"([^"]*)"/g,
  );
  return [...matches]
    .filter(([, encoding]) => Buffer.from(encoding!, 'base64').toString() === 'json/plain')
    .map(
      ([, , data]) => (JSON.parse(Buffer.from(data!, 'base64').toString()) as { message: string }).message,
    );
}

/** The dev server's SQLite database and its write-ahead log, as bytes read as latin1 text. */
export function temporalDatabaseText(): string {
  const database = join(dirname(inject('stack').workflowBundlePath), 'temporal.sqlite');
  return [database, `${database}-wal`]
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

/** The base64 forms of `secret` at each of the three byte alignments it may start at. */
function base64Forms(secret: string): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.from('x'.repeat(shift) + secret).toString('base64');
    // Drop the characters the prefix touches and the last group, which depends on what follows.
    return encoded.slice(Math.ceil((shift * 4) / 3), encoded.length - 4);
  });
}

/** Every form of `secret` that would give it away: plain, JSON-escaped, base64 (any alignment). */
export function encodingsOf(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), ...base64Forms(secret)];
}

/** The secrets of `secrets` that `text` gives away, in any of their encodings; base64 runs in `text` are decoded and searched too. */
export function leakedSecrets(text: string, secrets: readonly string[]): string[] {
  const decoded = [...text.matchAll(/[A-Za-z0-9+/]{16,}={0,2}/g)]
    .map(([run]) => Buffer.from(run, 'base64').toString('latin1'))
    .join('\n');
  return secrets.filter((secret) =>
    encodingsOf(secret).some((form) => text.includes(form) || decoded.includes(form)),
  );
}

/**
 * What a user's prompt may carry, and an answer that must stay as private; `run` makes the first
 * two and the answer unique, as the database is shared with the whole suite.
 */
export function secretsOf(run: string) {
  const promptSecrets = [
    `jane.roe.${run}@example.com`,
    `sk-proj-${run}Q7wX9zL2mN4pR6t`,
    '4111 1111 1111 1111',
    '+44 20 7946 0958',
    'DE89 3704 0044 0532 0130 00',
  ];
  const answer = `Your refund ${run} of 1234.56 EUR goes to account ending 0130 00`;
  const [email, apiKey, card, phone, iban] = promptSecrets;
  return {
    prompt: (marker: string) =>
      `${marker}: mail ${email}, key ${apiKey}, card ${card}, call ${phone}, IBAN ${iban} "quoted"\nnext line`,
    answer,
    all: [...promptSecrets, answer],
    unique: [email!, apiKey!, answer],
  };
}
/** A new run id for `secretsOf`. */
export const newRun = (): string => randomUUID().replaceAll('-', '').slice(0, 12);
