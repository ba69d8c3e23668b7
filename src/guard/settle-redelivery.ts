/**
 * Settles that could not reach Redis, delivered once it answers again. A call admitted before Redis
 * went away still ends (it holds no Redis connection while it runs), but its settle fails; until the
 * settle arrives, its lease stays in flight, and a breaker with no recent success counts it as a
 * possible failure. Each held settle is retried with capped, jittered backoff (and at once when the
 * connection is ready again) until it is delivered or its lease ends: after that the shared state has
 * let the lease go by itself. Delivering twice is harmless: the settle script is idempotent per attempt.
 *
 * Held settles live in this process only: if it dies holding some, their leases are the bound.
 */
import { jitteredBackoffMs, type BackoffSettings } from '../backoff';

/** One settle held for delivery. */
export interface HeldSettle<Call> {
  /** The attempt id: one held settle per attempt. */
  id: string;
  call: Call;
  /** When the admission's lease ends (epoch ms): the settle is not worth delivering after it. */
  expiresAt: number;
}

/** Why a held settle was never delivered. */
export type UndeliveredReason = 'lease_ended' | 'closed';

export interface SettleRedeliveryOptions<Call> {
  /** Delivers one settle; rejects when Redis did not take it. */
  deliver: (call: Call) => Promise<void>;
  /** Backoff between rounds while deliveries fail (attempt n waits the n-th backoff). */
  backoff: BackoffSettings;
  /** Told about each settle delivered late, and how long it was held (ms). */
  onDelivered?: (held: HeldSettle<Call>, heldMs: number) => void;
  /** Told about each settle given up: its lease ended first, or the process is stopping. */
  onUndelivered?: (held: HeldSettle<Call>, reason: UndeliveredReason) => void;
  now?: () => number;
  random?: () => number;
}

export class SettleRedelivery<Call> {
  private readonly held = new Map<string, HeldSettle<Call> & { heldAt: number }>();
  private failedRounds = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private roundAgain = false;
  private closed = false;

  constructor(private readonly options: SettleRedeliveryOptions<Call>) {}

  /** Settles held now. */
  get size(): number {
    return this.held.size;
  }

  /**
   * Holds the settle of attempt `id` until it is delivered or `expiresAt` passes. A settle already held
   * for `id` is kept as it is (an attempt settles once).
   */
  hold(id: string, call: Call, expiresAt: number): void {
    const held = { id, call, expiresAt, heldAt: this.now() };
    if (this.closed) return this.options.onUndelivered?.(held, 'closed');
    if (expiresAt <= held.heldAt) return this.options.onUndelivered?.(held, 'lease_ended');
    if (this.held.has(id)) return;
    this.held.set(id, held);
    this.schedule();
  }

  /** Tries every held settle now, without waiting for the backoff (the connection is ready again). */
  retryNow(): void {
    if (this.closed || this.held.size === 0) return;
    this.failedRounds = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.startRound();
  }

  /**
   * Tries once more to deliver every held settle, then gives up the rest (reported `closed`);
   * resolves to how many were given up. Later holds are given up at once.
   */
  async close(): Promise<number> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
    await this.deliverHeld();
    const left = [...this.held.values()];
    this.held.clear();
    for (const held of left) this.options.onUndelivered?.(held, 'closed');
    return left.length;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private schedule(): void {
    if (this.closed || this.timer || this.round || this.held.size === 0) return;
    const delayMs = jitteredBackoffMs(this.failedRounds + 1, this.options.backoff, this.options.random);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.startRound();
    }, delayMs);
    // Held settles must not keep a stopping process alive: their leases are the bound.
    this.timer.unref();
  }

  private startRound(): Promise<void> {
    if (this.round) {
      this.roundAgain = true;
      return this.round;
    }
    this.round = this.deliverHeld().finally(() => {
      this.round = undefined;
      if (this.roundAgain && !this.closed) {
        this.roundAgain = false;
        void this.startRound();
      } else {
        this.schedule();
      }
    });
    return this.round;
  }

  /**
   * Delivers the held settles in turn, dropping those whose lease ended. The first failure ends the
   * round (Redis is most likely still away) and sends that settle to the back, so that one settle
   * Redis refuses for good cannot hold up the others.
   */
  private async deliverHeld(): Promise<void> {
    for (const held of [...this.held.values()]) {
      if (this.held.get(held.id) !== held) continue;
      if (held.expiresAt <= this.now()) {
        this.held.delete(held.id);
        this.options.onUndelivered?.(held, 'lease_ended');
        continue;
      }
      try {
        await this.options.deliver(held.call);
      } catch {
        this.held.delete(held.id);
        this.held.set(held.id, held);
        this.failedRounds += 1;
        return;
      }
      this.held.delete(held.id);
      this.failedRounds = 0;
      this.options.onDelivered?.(held, this.now() - held.heldAt);
    }
  }
}
