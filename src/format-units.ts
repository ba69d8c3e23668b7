/** Durations and shares as operators read them, in the CLI, `/health` and the status view. */

/** A duration for people: `850ms`, `42s`, `1m 30s`, `2h 5m` (seconds are rounded up). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
}

/** A share (0 to 1) as people read it: `93%`. */
export function formatShare(share: number): string {
  return `${Math.round(share * 100)}%`;
}
