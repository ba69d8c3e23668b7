/**
 * The shared rate limits' vocabulary. Types only: the limits run in Redis
 * (`src/redis/lua/_ratelimit.lua` and `_requestring.lua`), inside the admission script.
 */

/**
 * A shared rate limit (a provider's, an operation's or a tool's), 0 = off. Requests are limited
 * exactly: never more than `rpm` in any 60 s, at most `burst` at once. Tokens are a token bucket:
 * a minute that starts with it full may take `tpm + tokenBurst`.
 */
export interface RateLimit {
  rpm: number;
  tpm: number;
  /** Requests that may go at once, within `rpm` (the request bucket's capacity). */
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
