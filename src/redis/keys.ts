/**
 * Redis key layout. Every key starts with the configured prefix, and all keys of one guarded
 * resource share a `{hash tag}`, so each script touches one Cluster slot.
 */

/** The keys of one provider's circuit breaker, in the order the breaker scripts take them. */
export type BreakerKeys = [
  breaker: string,
  inflight: string,
  probes: string,
  window: string,
  windowFailures: string,
  failers: string,
  stats: string,
];

export class KeySpace {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) {
      throw new RangeError(
        `keyPrefix: '${prefix}' must be 1-64 characters of letters, digits, ':', '_', '.' or '-'`,
      );
    }
  }

  breaker(provider: string): BreakerKeys {
    const base = `${this.prefix}:breaker:{${this.prefix}:${provider}}`;
    return [
      `${base}:state`,
      `${base}:inflight`,
      `${base}:probes`,
      `${base}:window`,
      `${base}:window-failures`,
      `${base}:failers`,
      `${base}:stats`,
    ];
  }

  /** A set of the provider names that have a breaker, for operators' status listings. */
  breakerRegistry(): string {
    return `${this.prefix}:breakers`;
  }
}
