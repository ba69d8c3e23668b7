import { describe, expect, it } from 'vitest';
import type { AdaptiveTimeoutSettings } from '../../src/config';
import { callTimeouts, derivedTimeout } from '../../src/guard/adaptive-timeouts';

const SETTINGS: AdaptiveTimeoutSettings = { p95Factor: 2, minMs: 5000, minSamples: 20, slowCallMs: 30_000 };
const FIXED = 60_000;

describe('derivedTimeout', () => {
  it('is the p95 times the factor between the minimum and the fixed timeout', () => {
    expect(derivedTimeout({ p95Ms: 4000, samples: 50 }, SETTINGS, FIXED)).toEqual({
      ms: 8000,
      source: 'adaptive',
    });
    expect(derivedTimeout({ p95Ms: 1234.2, samples: 20 }, { ...SETTINGS, minMs: 100 }, FIXED)).toEqual({
      ms: 2469,
      source: 'adaptive',
    });
  });

  it('never goes below the minimum, nor above the fixed timeout', () => {
    expect(derivedTimeout({ p95Ms: 200, samples: 50 }, SETTINGS, FIXED)).toEqual({
      ms: 5000,
      source: 'adaptive',
    });
    expect(derivedTimeout({ p95Ms: 45_000, samples: 50 }, SETTINGS, FIXED)).toEqual({
      ms: 60_000,
      source: 'adaptive',
    });
  });

  it('lets a fixed timeout below the minimum win', () => {
    expect(derivedTimeout({ p95Ms: 200, samples: 50 }, SETTINGS, 3000)).toEqual({
      ms: 3000,
      source: 'adaptive',
    });
  });

  it('keeps the fixed timeout with too few samples, none, or the factor 0', () => {
    expect(derivedTimeout({ p95Ms: 200, samples: 19 }, SETTINGS, FIXED)).toEqual({
      ms: FIXED,
      source: 'fixed',
    });
    expect(derivedTimeout(undefined, SETTINGS, FIXED)).toEqual({ ms: FIXED, source: 'fixed' });
    expect(derivedTimeout({ p95Ms: 200, samples: 100 }, { ...SETTINGS, p95Factor: 0 }, FIXED)).toEqual({
      ms: FIXED,
      source: 'fixed',
    });
  });
});

describe('callTimeouts', () => {
  const latency = { total: { p95Ms: 4000, samples: 30 }, firstToken: { p95Ms: 3000, samples: 30 } };

  it('derives the first-token timeout from the time-to-first-token samples, capped by its own fixed timeout', () => {
    const timeouts = callTimeouts(latency, SETTINGS, { callTimeoutMs: FIXED, firstTokenTimeoutMs: 30_000 });
    expect(timeouts).toEqual({
      call: { ms: 8000, source: 'adaptive' },
      firstToken: { ms: 6000, source: 'adaptive' },
    });
    const capped = callTimeouts(latency, SETTINGS, { callTimeoutMs: FIXED, firstTokenTimeoutMs: 5500 });
    expect(capped.firstToken).toEqual({ ms: 5500, source: 'adaptive' });
  });

  it('keeps each distribution apart: a model without first-token samples keeps the fixed first-token timeout', () => {
    const calls = { ...latency, firstToken: { p95Ms: 0, samples: 0 } };
    expect(callTimeouts(calls, SETTINGS, { callTimeoutMs: FIXED, firstTokenTimeoutMs: 30_000 })).toEqual({
      call: { ms: 8000, source: 'adaptive' },
      firstToken: { ms: 30_000, source: 'fixed' },
    });
  });

  it('falls back to the call timeout for the first token when the policy sets none, as a stream does', () => {
    expect(callTimeouts(undefined, SETTINGS, { callTimeoutMs: FIXED }).firstToken).toEqual({
      ms: FIXED,
      source: 'fixed',
    });
  });
});
