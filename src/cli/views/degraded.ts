/** How `breakwater degraded …` shows degraded mode: its fields, the result of a switch, and JSON. */
import type { DegradedStatus } from '../../degraded/degraded-mode';
import { PRIORITIES } from '../../task';
import { fieldLines, toJson } from './format';

/** The human-readable status of degraded mode. */
export function formatDegradedStatus(status: DegradedStatus): string {
  const fields: Array<[string, string | number]> = [
    ['degraded', status.active ? `on (${status.reason ?? 'unknown'})` : 'off'],
    ['forced', status.forced ? `yes${status.forcedBy ? ` (by ${status.forcedBy})` : ''}` : 'no'],
    ['since', status.since ?? '-'],
    ['while degraded', status.readonly ? 'submits parked' : 'submits refused (ServiceDegradedError)'],
    ['resilience', status.resilienceEnabled ? 'enabled' : 'DISABLED (RESILIENCE_ENABLED=false)'],
  ];
  if (status.waiting) {
    fields.push([
      'waiting',
      `${status.waiting.QUEUED + status.waiting.BLOCKED} of ${status.queueLimit} ` +
        `(queued ${status.waiting.QUEUED}, blocked ${status.waiting.BLOCKED})`,
    ]);
  }
  if (status.submits) {
    const { shed, refusedDegraded, parked } = status.submits;
    fields.push(['shed', PRIORITIES.map((priority) => `${priority} ${shed[priority]}`).join(', ')]);
    fields.push(['parked', parked], ['refused degraded', refusedDegraded]);
  }
  return fieldLines(fields);
}

/** What `on` and `off` print: what changed, then the status. */
export function formatDegradedSwitch(status: DegradedStatus & { changed: boolean }, on: boolean): string {
  let headline: string;
  if (on) headline = status.changed ? 'degraded mode forced on' : 'degraded mode was already on; now forced';
  else if (status.active)
    headline = `force lifted; still degraded (${status.reason}): reset or wait for a breaker to close`;
  else headline = status.changed ? 'degraded mode off' : 'degraded mode was already off';
  return `${headline}\n${formatDegradedStatus(status)}`;
}

/** What `--json` prints. */
export function formatDegradedJson(status: DegradedStatus): string {
  return toJson(status);
}
