/**
 * The shared rate limits' vocabulary. Types only: the token buckets run in Redis
 * (`src/redis/lua/_ratelimit.lua`), inside the admission script.
 */

/** A shared rate limit (a provider's, or an operation's): token buckets of requests and tokens per minute (0 = off). */
export interface RateLimit {
  rpm: number;
  tpm: number;
  /** Requests that may go at once above the steady rate (the request bucket's capacity). */
  burst: number;
  /** The token bucket's capacity. */
  tokenBurst: number;
}

/** The rate limits' settings (`RATE_LIMIT_*`); each provider's own limit is in its `ProviderConfig`. */
export interface RateLimitSettings {
  /** When a provider's rate limit has no room: `wait` (BLOCKED, no attempt burnt) or `refuse` (FAILED). */
  mode: 'wait' | 'refuse';
  /** The most provider calls one task may make, across retries, fallbacks and replays. */
  callsPerTask: number;
  /** Operations (an agent's tools) with a shared rate limit of their own, by name. */
  operations: Record<string, RateLimit>;
}
