import type { BreakerSettings } from './types';

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  mode: 'consecutive',
  failureThreshold: 5,
  resetMs: 60_000,
  halfOpenProbes: 1,
  halfOpenProbability: 1,
  successThreshold: 2,
  halfOpenRetryMs: 2000,
  windowMs: 60_000,
  failureRate: 0.5,
  minimumVolume: 10,
  minDistinctWorkers: 1,
};
