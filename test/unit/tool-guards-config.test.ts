import { describe, expect, it } from 'vitest';
import { configError } from '../support/config-error';
import { ConfigError, loadConfig, parseToolGuards } from '../../src/config';

describe('TOOL_GUARDS', () => {
  it('is empty by default: no activity is guarded', () => {
    expect(loadConfig({}).toolGuards).toEqual({});
  });

  it("gives a named tool seed 004's breaker defaults, no rate limit and no cap", () => {
    const { searchWeb } = loadConfig({ TOOL_GUARDS: '{"searchWeb":{}}' }).toolGuards;
    expect(searchWeb).toEqual({
      breaker: {
        mode: 'consecutive',
        failureThreshold: 5,
        successThreshold: 2,
        resetMs: 60_000,
        windowMs: 300_000,
        failureRate: 0.5,
        minimumVolume: 10,
        halfOpenProbes: 1,
        halfOpenProbability: 1,
        halfOpenRetryMs: 2000,
        minDistinctWorkers: 1,
        slowCallRate: 0,
      },
      leaseMs: 60_000,
      failures: { ignoreErrorTypes: [] },
    });
  });

  it('reads the rate limit, the per-task cap and the failure rule', () => {
    const { lookup } = loadConfig({
      TOOL_GUARDS: JSON.stringify({
        lookup: {
          breaker: { mode: 'rate', resetTimeoutMs: 1000 },
          rateLimit: { maxCallsPerMinute: 30, burstSize: 5, onLimit: 'refuse', cooldownMs: 500 },
          maxCallsPerTask: 20,
          failures: { errorTypes: ['Timeout'], ignoreErrorTypes: ['NotFound'] },
        },
      }),
    }).toolGuards;
    expect(lookup!.breaker.mode).toBe('rate');
    expect(lookup!.breaker.resetMs).toBe(1000);
    expect(lookup!.rateLimit).toEqual({
      rate: { rpm: 30, tpm: 0, burst: 5, tokenBurst: 1 },
      onLimit: 'refuse',
      cooldownMs: 500,
    });
    expect(lookup!.maxCallsPerTask).toBe(20);
    expect(lookup!.failures).toEqual({ errorTypes: ['Timeout'], ignoreErrorTypes: ['NotFound'] });
  });

  it.each([
    [
      '{"search":{"breaker":{"failureThreshold":0}}}',
      "TOOL_GUARDS: key 'search' field 'breaker' field 'failureThreshold' must be an integer >= 1 (got 0)",
    ],
    [
      '{"search":{"rateLimit":{"burstSize":2}}}',
      "TOOL_GUARDS: key 'search' field 'rateLimit' field 'maxCallsPerMinute' is required",
    ],
    [
      '{"search":{"rateLimit":{"maxCallsPerMinute":3,"onLimit":"later"}}}',
      "TOOL_GUARDS: key 'search' field 'rateLimit' field 'onLimit' must be wait or refuse (got 'later')",
    ],
    [
      '{"search":{"maxCalls":3}}',
      "TOOL_GUARDS: key 'search' has unknown field 'maxCalls' (expected breaker, rateLimit, maxCallsPerTask, failures)",
    ],
    [
      '{"search":{"failures":{"errorTypes":"Timeout"}}}',
      "TOOL_GUARDS: key 'search' field 'failures' field 'errorTypes' must be a list of error types (got 'Timeout')",
    ],
    [
      '{"bad name":{}}',
      "TOOL_GUARDS: key 'bad name' is not an activity type (letters, digits, _, $, . or -)",
    ],
    ['[1]', 'TOOL_GUARDS: must be a JSON object of tool settings by activity type'],
  ])('%s refuses with %s', (value, message) => {
    expect(configError({ TOOL_GUARDS: value }).message).toBe(message);
  });
});

describe('the toolGuards option', () => {
  it('takes the shape of TOOL_GUARDS', () => {
    const guards = parseToolGuards({ search: { maxCallsPerTask: 3, rateLimit: { maxCallsPerMinute: 60 } } });
    expect(guards.search!.maxCallsPerTask).toBe(3);
    expect(guards.search!.rateLimit!.rate.rpm).toBe(60);
  });

  it('names the tool and the field that is wrong', () => {
    expect(() => parseToolGuards({ search: { maxCallsPerTask: -1 } })).toThrow(ConfigError);
    expect(() => parseToolGuards({ search: { maxCallsPerTask: -1 } })).toThrow(
      "toolGuards: key 'search' field 'maxCallsPerTask' must be an integer >= 1 (got -1)",
    );
  });
});
