/** Joins Prometheus text expositions into the one body a scrape target serves. */

interface Family {
  name: string;
  lines: string[];
}

const COMMENT = /^#\s+(HELP|TYPE)\s+(\S+)/;

/** The sample's metric name: what comes before its labels or its value. */
function sampleName(line: string): string {
  return /^[^\s{]+/.exec(line)?.[0] ?? line;
}

/**
 * Splits an exposition into metric families: a family starts at its `# HELP` or `# TYPE` line and
 * holds the samples that follow (`_bucket`, `_sum`, `_count` and the like included); a sample
 * outside any family is an untyped family of its own.
 */
function familiesOf(exposition: string): Family[] {
  const families: Family[] = [];
  let current: Family | undefined;
  for (const line of exposition.split('\n')) {
    if (line.trim() === '') continue;
    const comment = COMMENT.exec(line);
    if (comment) {
      const name = comment[2]!;
      if (current?.name !== name) families.push((current = { name, lines: [] }));
      current.lines.push(line);
      continue;
    }
    if (line.startsWith('#')) {
      current?.lines.push(line);
      continue;
    }
    const name = sampleName(line);
    if (!current || !name.startsWith(current.name)) families.push((current = { name, lines: [] }));
    current.lines.push(line);
  }
  return families;
}

/**
 * One exposition from several: each family appears once, from the first exposition that has it, so
 * the result has one `# HELP` and one `# TYPE` per name however the sources overlap.
 */
export function mergeExpositions(expositions: readonly string[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const exposition of expositions) {
    const families = familiesOf(exposition).filter((family) => !seen.has(family.name));
    for (const family of families) {
      lines.push(...family.lines);
      seen.add(family.name);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
