/** Calling the provider adapters in tests: requests, call options, rejections, and a recording server. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { isBreakwaterError, isRetryableExternalError, type BreakwaterError } from '../../src/errors';
import type { RetryableExternalError } from '../../src/errors';
import type { LlmRequest } from '../../src/llm/request';
import type { ProviderCallOptions } from '../../src/providers/types';

export const API_KEY = 'sk-test-adapter-key-0123456789';
export const PROMPT = 'hello world!';

export function callOptions(timeoutMs = 5000, signal = new AbortController().signal): ProviderCallOptions {
  return { signal, timeoutMs, context: { provider: 'fake', operation: 'test' } };
}

export function request(content = PROMPT, extra: Partial<LlmRequest> = {}): LlmRequest {
  return { provider: 'fake', model: 'fake-model', messages: [{ role: 'user', content }], ...extra };
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

/** A Breakwater error with the call's context and nothing of the prompt in its message. */
export function expectClassified(error: unknown): BreakwaterError {
  expect(isBreakwaterError(error), String(error)).toBe(true);
  const classified = error as BreakwaterError;
  expect(classified.context).toMatchObject({ provider: 'fake', operation: 'test' });
  expect(classified.message).not.toContain(PROMPT);
  return classified;
}

export function expectRetryable(error: unknown, reason: string): RetryableExternalError {
  const classified = expectClassified(error);
  expect(isRetryableExternalError(classified), String(error)).toBe(true);
  expect(classified.retryable).toBe(true);
  expect((classified as RetryableExternalError).reason).toBe(reason);
  return classified as RetryableExternalError;
}

export interface Recorded {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

const MINIMAL_ANSWERS = {
  messages: {
    model: 'recorded',
    content: [{ type: 'text', text: 'ok' }],
    stop_reason: 'end_turn',
    usage: { input_tokens: 1, output_tokens: 1 },
  },
  completions: {
    model: 'recorded',
    choices: [{ message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  },
};

/**
 * A plain HTTP server that records each request and answers it 200 with `answer` (default: a
 * minimal valid body of its dialect).
 */
export async function startRecorder(
  answer: (path: string) => unknown = (path) =>
    path.endsWith('/messages') ? MINIMAL_ANSWERS.messages : MINIMAL_ANSWERS.completions,
): Promise<{ root: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(req.url ?? '')));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    root: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
