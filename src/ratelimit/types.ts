/**
 * The shared rate limits' vocabulary. Types only: the token buckets themselves run in Redis
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
