import { describe, expect, it } from 'vitest';
import { rateLimitFill } from '../../src/ratelimit/rate-fill';

const LIMIT = { rpm: 60, tpm: 1000, burst: 10, tokenBurst: 1000 };

describe('rateLimitFill', () => {
  it('is the share taken from the fuller of the buckets in use', () => {
    expect(rateLimitFill({ ...LIMIT, requests: 10, tokens: 1000 })).toBe(0);
    expect(rateLimitFill({ ...LIMIT, requests: 6, tokens: 900 })).toBeCloseTo(0.4);
    expect(rateLimitFill({ ...LIMIT, requests: 9, tokens: 250 })).toBeCloseTo(0.75);
    expect(rateLimitFill({ ...LIMIT, requests: 0.5, tokens: 1000 })).toBeCloseTo(0.95);
  });

  it('leaves a bucket that is off out', () => {
    expect(rateLimitFill({ ...LIMIT, tpm: 0, requests: 5, tokens: 0 })).toBeCloseTo(0.5);
    expect(rateLimitFill({ ...LIMIT, rpm: 0, requests: 0, tokens: 1000 })).toBe(0);
  });
});
