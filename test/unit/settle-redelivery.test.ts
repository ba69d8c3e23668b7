import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SettleRedelivery, type HeldSettle, type UndeliveredReason } from '../../src/guard/settle-redelivery';

/** Backoff ceilings 100, 200, 400, 400, … ms; with `random` = 1 every wait is its ceiling. */
const BACKOFF = { initialIntervalMs: 100, backoffCoefficient: 2, maximumIntervalMs: 400 };
const LEASE_END = 10_000;

/** A Redis stand-in for one function: down until `up()`, then it takes every settle. */
function redelivery() {
  let reachable = false;
  const attempts: string[] = [];
  const delivered: string[] = [];
  const undelivered: Array<[string, UndeliveredReason]> = [];
  const heldFor: number[] = [];
  const refused = new Set<string>();
  const queue = new SettleRedelivery<string>({
    deliver: async (call) => {
      attempts.push(call);
      if (!reachable || refused.has(call)) throw new Error('Connection is closed.');
      delivered.push(call);
    },
    backoff: BACKOFF,
    random: () => 1,
    onDelivered: (_held: HeldSettle<string>, heldMs) => heldFor.push(heldMs),
    onUndelivered: (held, reason) => undelivered.push([held.call, reason]),
  });
  return {
    queue,
    attempts,
    delivered,
    undelivered,
    heldFor,
    refused,
    up: () => (reachable = true),
    down: () => (reachable = false),
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SettleRedelivery', () => {
  it('retries with growing, capped backoff and delivers once Redis takes the settle', async () => {
    const r = redelivery();
    r.queue.hold('a1', 'a1', LEASE_END);
    await vi.advanceTimersByTimeAsync(99);
    expect(r.attempts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.attempts).toEqual(['a1']);
    // Then 200 ms, 400 ms, and 400 ms from there on (the cap).
    await vi.advanceTimersByTimeAsync(200);
    expect(r.attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(400);
    expect(r.attempts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(399);
    expect(r.attempts).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.attempts).toHaveLength(4);
    r.up();
    await vi.advanceTimersByTimeAsync(400);
    expect(r.delivered).toEqual(['a1']);
    expect(r.heldFor).toEqual([1500]);
    expect(r.queue.size).toBe(0);
    // Nothing held: no more rounds.
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.attempts).toHaveLength(5);
  });

  it('gives a settle up when its lease ends before Redis answers, and reports it', async () => {
    const r = redelivery();
    r.queue.hold('a1', 'a1', 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(r.undelivered).toEqual([]);
    await vi.advanceTimersByTimeAsync(400);
    expect(r.undelivered).toEqual([['a1', 'lease_ended']]);
    expect(r.queue.size).toBe(0);
    r.up();
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.delivered).toEqual([]);
  });

  it('reports at once a settle whose lease already ended', () => {
    const r = redelivery();
    r.queue.hold('a1', 'a1', 0);
    expect(r.undelivered).toEqual([['a1', 'lease_ended']]);
    expect(r.queue.size).toBe(0);
  });

  it('holds one settle per attempt: a second hold of the same attempt delivers nothing twice', async () => {
    const r = redelivery();
    r.queue.hold('a1', 'first', LEASE_END);
    r.queue.hold('a1', 'second', LEASE_END);
    expect(r.queue.size).toBe(1);
    r.up();
    await vi.advanceTimersByTimeAsync(100);
    expect(r.delivered).toEqual(['first']);
  });

  it('retryNow delivers at once, without waiting for the backoff', async () => {
    const r = redelivery();
    r.queue.hold('a1', 'a1', LEASE_END);
    r.queue.hold('a2', 'a2', LEASE_END);
    await vi.advanceTimersByTimeAsync(100 + 200 + 400);
    expect(r.attempts).toHaveLength(3);
    r.up();
    r.queue.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    // A failed settle goes to the back of the queue, so the order may have turned.
    expect([...r.delivered].sort()).toEqual(['a1', 'a2']);
  });

  it('retryNow during a round runs one more round right after it', async () => {
    const r = redelivery();
    r.queue.hold('a1', 'a1', LEASE_END);
    r.queue.retryNow();
    // The round in progress meets Redis down; the connection reports ready meanwhile.
    r.up();
    r.queue.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.attempts).toEqual(['a1', 'a1']);
    expect(r.delivered).toEqual(['a1']);
  });

  it('a round stops at the first failure, and a settle Redis keeps refusing does not hold up the others', async () => {
    const r = redelivery();
    r.refused.add('bad');
    for (const id of ['bad', 'b', 'c']) r.queue.hold(id, id, LEASE_END);
    await vi.advanceTimersByTimeAsync(100);
    // Redis down: one attempt per round, not one per settle.
    expect(r.attempts).toEqual(['bad']);
    r.up();
    await vi.advanceTimersByTimeAsync(200);
    expect(r.delivered).toEqual(['b', 'c']);
    expect(r.queue.size).toBe(1);
  });

  it('close tries once more, gives up the rest as closed, and holds nothing after', async () => {
    const r = redelivery();
    r.refused.add('bad');
    r.queue.hold('ok', 'ok', LEASE_END);
    r.queue.hold('bad', 'bad', LEASE_END);
    r.up();
    expect(await r.queue.close()).toBe(1);
    expect(r.delivered).toEqual(['ok']);
    expect(r.undelivered).toEqual([['bad', 'closed']]);
    expect(r.queue.size).toBe(0);
    r.queue.hold('late', 'late', LEASE_END);
    expect(r.undelivered).toContainEqual(['late', 'closed']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.attempts).toEqual(['ok', 'bad']);
  });
});
