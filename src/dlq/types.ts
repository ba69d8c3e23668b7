/** The dead-letter queue's vocabulary. Types only: its streams and scripts are in Redis (`src/redis/lua/_dlq.lua`). */

/** `dlq`: the replayable stream `ai:dlq`; `dead`: `ai:dead`, which no replay can fix. */
export type DlqStream = 'dlq' | 'dead';

/** The dead-letter queue's settings (`DLQ_*`). */
export interface DlqSettings {
  /** About this many entries are kept per stream (`XTRIM MAXLEN ~`). */
  maxLen: number;
  /** Age after which `ai:dlq` entries are trimmed. */
  maxAgeMs: number;
  /** Age after which `ai:dead` entries are trimmed. */
  deadMaxAgeMs: number;
  /** Replays a job may have; one more moves it to `ai:dead` (poisoned). */
  maxReplays: number;
}
