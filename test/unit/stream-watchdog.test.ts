import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamWatchdog } from '../../src/providers/stream-watchdog';

const TIMEOUTS = { firstTokenTimeoutMs: 1000, idleTimeoutMs: 300 };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('StreamWatchdog', () => {
  it('aborts when the first token does not arrive in time, even if other events do', () => {
    const watchdog = new StreamWatchdog(TIMEOUTS);
    vi.advanceTimersByTime(600);
    watchdog.event(false);
    vi.advanceTimersByTime(399);
    expect(watchdog.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(watchdog.signal.aborted).toBe(true);
    expect(watchdog.reason).toBe('first_token_timeout');
  });

  it('after the first token, aborts on a gap longer than the idle timeout', () => {
    const watchdog = new StreamWatchdog(TIMEOUTS);
    vi.advanceTimersByTime(900);
    watchdog.event(true);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(299);
      watchdog.event(i % 2 === 0);
    }
    expect(watchdog.signal.aborted).toBe(false);
    vi.advanceTimersByTime(300);
    expect(watchdog.reason).toBe('stream_idle_timeout');
  });

  it('never aborts once stopped', () => {
    const watchdog = new StreamWatchdog(TIMEOUTS);
    watchdog.stop();
    vi.advanceTimersByTime(10_000);
    expect(watchdog.signal.aborted).toBe(false);
    expect(watchdog.reason).toBeUndefined();
  });
});
