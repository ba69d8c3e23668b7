/** The kept answers' settings. Types only: a kept answer is one Redis string per call (`KEY_MAP.keptAnswer`). */

/** How long a call's successful answer stays in Redis (`ANSWER_RECOVERY_TTL_SEC`); 0 keeps none. */
export interface KeptAnswerSettings {
  ttlMs: number;
}
