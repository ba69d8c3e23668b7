/**
 * Redis key layout. Every key starts with the configured prefix, and all keys of one guarded
 * resource share a `{hash tag}`, so one script touches one Cluster slot.
 */
export class KeySpace {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) {
      throw new RangeError(
        `keyPrefix: '${prefix}' must be 1-64 characters of letters, digits, ':', '_', '.' or '-'`,
      );
    }
  }

  /** Keys of one provider's guard state. */
  provider(provider: string): { inflight: string; stats: string } {
    const tag = `{${this.prefix}:provider:${provider}}`;
    return { inflight: `${this.prefix}:${tag}:inflight`, stats: `${this.prefix}:${tag}:stats` };
  }
}
