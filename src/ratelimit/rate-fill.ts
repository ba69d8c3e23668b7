/** How full a provider's rate limit is: the share of a bucket already taken, the fuller bucket of the two. */
import type { RateLimitLevel } from '../breaker/types';

/** 0 (both buckets full: nothing taken) to 1 (a bucket is empty: calls wait); only the buckets in use count. */
export function rateLimitFill(level: RateLimitLevel): number {
  const taken = (held: number, capacity: number) => (capacity > 0 ? 1 - Math.max(0, held) / capacity : 0);
  return Math.max(
    level.rpm > 0 ? taken(level.requests, level.burst) : 0,
    level.tpm > 0 ? taken(level.tokens, level.tokenBurst) : 0,
  );
}
