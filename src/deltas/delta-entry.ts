/**
 * The entries of a task's live-delta stream (`KEY_MAP.taskDeltas`), as the activity writes them
 * and the client reads them: `attempt` when an attempt starts streaming, `delta` for each piece of
 * the answer, `end` when the attempt's answer is complete.
 */
import type { StreamDelta } from '../llm/stream';

export type DeltaEntry =
  | { kind: 'attempt'; attempt: number }
  | { kind: 'delta'; attempt: number; delta: StreamDelta }
  | { kind: 'end'; attempt: number };

/** The entry as stream fields: `kind`, `attempt` and, for a delta, `delta` (JSON). */
export function encodeDeltaEntry(entry: DeltaEntry): string[] {
  const fields = ['kind', entry.kind, 'attempt', String(entry.attempt)];
  if (entry.kind === 'delta') fields.push('delta', JSON.stringify(entry.delta));
  return fields;
}

/** An entry read back; undefined for fields that are not one. */
export function decodeDeltaEntry(raw: readonly string[]): DeltaEntry | undefined {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i]!, raw[i + 1]!);
  const attempt = Number(fields.get('attempt'));
  if (!Number.isSafeInteger(attempt)) return undefined;
  const kind = fields.get('kind');
  if (kind === 'attempt' || kind === 'end') return { kind, attempt };
  const delta = fields.get('delta');
  if (kind !== 'delta' || delta === undefined) return undefined;
  return { kind, attempt, delta: JSON.parse(delta) as StreamDelta };
}
