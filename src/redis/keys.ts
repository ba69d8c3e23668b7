/**
 * Redis key layout. Every key starts with the configured prefix, and all of one prefix's guard
 * state (breakers, rate limits, budgets) shares one `{hash tag}`: each script touches one Cluster
 * slot, and one admission script can check the breaker, the rate limit and every budget scope
 * atomically. The scripts derive their keys from the slot key (see `lua/_common.lua`).
 */
export class KeySpace {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) {
      throw new RangeError(
        `keyPrefix: '${prefix}' must be 1-64 characters of letters, digits, ':', '_', '.' or '-'`,
      );
    }
  }

  /** The key every script takes as KEYS[1]; its hash tag places all the guard state in one slot. */
  slot(): string {
    return `${this.prefix}:{${this.prefix}}`;
  }

  /** A set of the provider names that have a breaker, for operators' status listings. */
  breakerRegistry(): string {
    return `${this.slot()}:breakers`;
  }
}
