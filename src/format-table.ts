/** A plain-text table: the first row is the header; columns are left-aligned, numbers right-aligned. */
export function formatTable(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths =
    cells[0]?.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length))) ?? [];
  const numeric = (value: string) => /^-?[\d,.]+( ms| s|%)?$/.test(value);
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        numeric(cell) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const [header, ...body] = cells;
  if (!header) return '';
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}
