/**
 * Redis key layout. Every key starts with the configured prefix, and all keys of one guarded
 * resource share a `{hash tag}`, so each script touches one Cluster slot.
 */

export class KeySpace {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) {
      throw new RangeError(
        `keyPrefix: '${prefix}' must be 1-64 characters of letters, digits, ':', '_', '.' or '-'`,
      );
    }
  }

  /** The base key of one provider's circuit breaker; the scripts derive its other keys from it. */
  breaker(provider: string): string {
    return `${this.prefix}:breaker:{${this.prefix}:${provider}}`;
  }

  /** A set of the provider names that have a breaker, for operators' status listings. */
  breakerRegistry(): string {
    return `${this.prefix}:breakers`;
  }
}
