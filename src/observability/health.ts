/**
 * The health vocabulary of `/health`: each component is `healthy`, `degraded` or `unhealthy`, the
 * worker is as bad as its worst component, and only `unhealthy` answers 503 (an orchestrator may
 * restart the worker then; a provider's outage must not get workers killed, so it is `degraded`).
 */

export const HEALTH_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface ComponentHealth {
  status: HealthStatus;
  /** What was seen, for operators: never user data. */
  detail: string;
}

/** What `/health` answers. */
export interface HealthReport {
  status: HealthStatus;
  components: Record<string, ComponentHealth>;
}

/** The HTTP status `/health` answers with `status`. */
export function healthHttpStatus(status: HealthStatus): 200 | 503 {
  return status === 'unhealthy' ? 503 : 200;
}

/** The report of `components`: the worker is as bad as its worst component. */
export function healthReport(components: Record<string, ComponentHealth>): HealthReport {
  const worst = Math.max(
    0,
    ...Object.values(components).map(({ status }) => HEALTH_STATUSES.indexOf(status)),
  );
  return { status: HEALTH_STATUSES[worst]!, components };
}
