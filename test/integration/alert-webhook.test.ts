/**
 * The alert webhook with three workers on one key prefix, a real Redis, a real Temporal dev server and
 * a test HTTP receiver: each breaker transition, degraded on and off, and a budget crossing 90 % is
 * posted exactly once, and a POST the receiver refuses is retried.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/redis/connection';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { FAKE_ANTHROPIC, FAKE_OPENAI } from '../../src/testing/stack-config';
import { chat, connectStackRedis, createHarness, eventually, startFakeProvider } from '../support/harness';

interface Alert {
  id: string;
  event: string;
  [field: string]: unknown;
}

/** An HTTP receiver that refuses its first POST with 503, then keeps every alert it accepts. */
async function startReceiver(): Promise<{ url: string; accepted: Alert[]; refused: number; server: Server }> {
  const receiver = { accepted: [] as Alert[], refused: 0 };
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      if (receiver.refused === 0) {
        receiver.refused += 1;
        response.writeHead(503).end();
        return;
      }
      receiver.accepted.push(JSON.parse(body) as Alert);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, { url: `http://127.0.0.1:${port}/alerts`, server });
}

let fakeProvider: FakeProvider;
let redis: RedisConnection;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redis = await connectStackRedis(2000);
});
afterAll(async () => {
  await fakeProvider.stop();
  await redis.quit();
});

describe('alert webhook', () => {
  it('posts each event exactly once with three workers running, retrying a refused POST', async () => {
    const receiver = await startReceiver();
    try {
      const h = await createHarness(
        fakeProvider,
        'alerts',
        { ALERT_WEBHOOK_URL: receiver.url, BUDGET_RUN_USD: '1' },
        { workers: 3 },
      );
      const breaker = h.worker.breaker;
      await h.run(async () => {
        await eventually(async () => ((await breaker.knownProviders()).length === 2 ? true : undefined));
        await breaker.forceOpen(FAKE_OPENAI, 60_000);
        await breaker.forceOpen(FAKE_ANTHROPIC, 60_000);
        await breaker.reset(FAKE_ANTHROPIC);
        // A run that has spent 1 micro-dollar short of 90 % of its 1 USD ceiling: its next call crosses.
        const runId = `${h.name}-run`;
        await redis.hset(new KeySpace(h.config.redis.keyPrefix).key('budgetRun', runId), 'spent', 899_999);
        const result = await h.client.execute(chat('one more call', FAKE_ANTHROPIC), {
          idempotencyKey: `${h.name}-budget`,
          runId,
        });
        expect(result.ledger.state).toBe('DONE');
        await eventually(() => (receiver.accepted.length >= 6 ? true : undefined), 20_000);
        // Long enough for a second delivery of any event (the pollers run every 250 ms; a retry is due within 2 s).
        await new Promise((resolve) => setTimeout(resolve, 3000));
      });
      const summary = receiver.accepted.map((alert) =>
        [alert.event, alert.provider ?? alert.scope ?? alert.reason, alert.to ?? alert.runId].join(' '),
      );
      const ids = receiver.accepted.map((alert) => alert.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(receiver.refused).toBe(1);
      const byEvent = (event: string) => receiver.accepted.filter((alert) => alert.event === event);
      expect(
        byEvent('breaker_transition').map((a) => [a.provider, a.from, a.to, a.reason]),
        summary.join('\n'),
      ).toEqual(
        expect.arrayContaining([
          [FAKE_OPENAI, 'CLOSED', 'OPEN', 'forced_open'],
          [FAKE_ANTHROPIC, 'CLOSED', 'OPEN', 'forced_open'],
          [FAKE_ANTHROPIC, 'OPEN', 'CLOSED', 'manual_reset'],
        ]),
      );
      expect(byEvent('breaker_transition')).toHaveLength(3);
      expect(byEvent('degraded_on').map((a) => a.reason)).toEqual(['all_breakers_open']);
      expect(byEvent('degraded_off').map((a) => a.reason)).toEqual(['all_breakers_open']);
      expect(byEvent('budget_threshold')).toEqual([
        expect.objectContaining({ scope: 'run', runId: `${h.name}-run`, limitMicros: 1_000_000, share: 0.9 }),
      ]);
      expect(receiver.accepted).toHaveLength(6);
    } finally {
      receiver.server.close();
    }
  });
});
