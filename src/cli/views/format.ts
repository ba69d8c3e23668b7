/** Text helpers every view uses: durations, counted nouns, JSON, field lists and error messages. */
export { formatDuration } from '../../format-units';

/** `1 entry`, `2 entries`: `count` with the noun that agrees with it. */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** What `--json` prints: `value` as indented JSON. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** `text`, cut to `max` characters with an ellipsis when longer. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `name  value` lines, names padded to one width. */
export function fieldLines(fields: ReadonlyArray<readonly [string, string | number]>): string {
  const width = Math.max(...fields.map(([name]) => name.length));
  return fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n');
}
