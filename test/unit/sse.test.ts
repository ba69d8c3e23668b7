/** The SSE transport against a real HTTP server on loopback that writes events on a schedule. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetryableExternalError, type RetryableExternalError } from '../../src/errors';
import { postSse, readStream } from '../../src/providers/sse';

/** Each path is a script: `t<ms>` writes a token event after a pause, `p<ms>` a ping, `x` resets. */
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const steps = (req.url ?? '/').slice(1).split('-').filter(Boolean);
    if (steps[0] === 'status429') {
      res.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' });
      res.end('{"error":{"type":"rate_limit_error"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    const run = async () => {
      for (const step of steps) {
        await new Promise((resolve) => setTimeout(resolve, Number(step.slice(1)) || 0));
        if (step[0] === 'x') return res.socket?.destroy();
        res.write(
          step[0] === 't' ? `event: token\ndata: {"n":"${step}"}\n\n` : `: ping\nevent: ping\ndata: {}\n\n`,
        );
      }
      res.end();
    };
    void run();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const OPTIONS = {
  signal: new AbortController().signal,
  timeoutMs: 5000,
  context: { provider: 'fake' },
  firstTokenTimeoutMs: 300,
  idleTimeoutMs: 200,
};

async function read(path: string, options = OPTIONS) {
  const events: string[] = [];
  await postSse(`${base}/${path}`, {}, {}, options, (event) => {
    events.push(`${event.event}:${event.data}`);
    return event.event === 'token';
  });
  return events;
}

async function failure(path: string, options = OPTIONS): Promise<RetryableExternalError> {
  const error = await read(path, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isRetryableExternalError(error), String(error)).toBe(true);
  return error as RetryableExternalError;
}

describe('postSse', () => {
  it('hands every event over, in order, until the stream ends', async () => {
    expect(await read('t10-p10-t10-t10')).toEqual([
      'token:{"n":"t10"}',
      'ping:{}',
      'token:{"n":"t10"}',
      'token:{"n":"t10"}',
    ]);
  });

  it('times out a stream whose first token is late, even while pings arrive', async () => {
    expect((await failure('p100-p100-p100-t100')).reason).toBe('first_token_timeout');
  });

  it('times out a gap between events once the answer started', async () => {
    expect((await failure('t10-t50-t400')).reason).toBe('stream_idle_timeout');
  });

  it('classifies a connection reset mid-stream as retryable', async () => {
    expect((await failure('t10-x10')).reason).toBe('connection_reset');
  });

  it("classifies an error status with the provider's Retry-After", async () => {
    const error = await read('status429').then(
      () => undefined,
      (caught: unknown) => caught as { type: string; retryAfterMs?: number },
    );
    expect(error).toMatchObject({ type: 'RateLimitedError', retryAfterMs: 3000 });
  });

  it('rethrows the cancellation reason when the activity is cancelled', async () => {
    const controller = new AbortController();
    const reading = read('t10-t150-t150', { ...OPTIONS, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('activity cancelled')), 50);
    await expect(reading).rejects.toThrow('activity cancelled');
  });

  it('calls a stream that ends before its final event cut, and never a half answer', async () => {
    const reader = { complete: false, read: () => [{ type: 'text' as const, text: 'half' }] };
    const error = await readStream(`${base}/t10-t10`, {}, {}, OPTIONS, reader).then(
      () => undefined,
      (caught: unknown) => caught as { reason?: string },
    );
    expect(error?.reason).toBe('stream_cut');
  });
});
