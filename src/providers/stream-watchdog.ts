/**
 * The two clocks of a streamed answer, besides the call's own timeout: the first token must arrive
 * within `firstTokenTimeoutMs` of the start, and after it no gap between two events may last longer
 * than `idleTimeoutMs`. When one runs out, `signal` aborts and `reason` says which.
 */

export interface StreamTimeouts {
  /** Longest wait for the answer's first token (text, a tool call or a refusal). */
  firstTokenTimeoutMs: number;
  /** Longest gap between two events once the first token arrived. */
  idleTimeoutMs: number;
}

export type StreamStall = 'first_token_timeout' | 'stream_idle_timeout';

export class StreamWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private answering = false;
  /** Which clock ran out, once one did. */
  reason: StreamStall | undefined;

  constructor(private readonly timeouts: StreamTimeouts) {
    this.arm('first_token_timeout', timeouts.firstTokenTimeoutMs);
  }

  /** Aborts when a clock runs out. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** An event arrived; `token`: it carried part of the answer. */
  event(token: boolean): void {
    if (token) this.answering = true;
    if (this.answering) this.arm('stream_idle_timeout', this.timeouts.idleTimeoutMs);
  }

  /** The stream ended: no clock runs any more. */
  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(reason: StreamStall, ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reason = reason;
      this.controller.abort(new Error(reason));
    }, ms);
  }
}
