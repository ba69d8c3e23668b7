/** The live deltas' settings. Types only: the deltas are a Redis Stream per task (`KEY_MAP.taskDeltas`). */

/** How much of a task's deltas Redis keeps (`STREAM_DELTAS_MAX_LEN`), and for how long after an attempt's start or end (`STREAM_DELTAS_TTL_SEC`). */
export interface DeltaStreamSettings {
  maxLen: number;
  ttlMs: number;
}
