/**
 * The configuration tables as markdown, for the region between `<!-- config:start -->` and
 * `<!-- config:end -->` of the files in `CONFIG_DOCS` (written by `npm run docs:config`). Tables
 * come out aligned the way prettier aligns them.
 */
import { PROVIDER_VARIABLES } from './provider-variables';
import { allowedValuesOf } from './schemas';
import type { ConfigVariable, VariableTable } from './variable-table';
import { ENV_VARIABLES } from './variables';

const CONFIG_DOCS_START = '<!-- config:start -->';
const CONFIG_DOCS_END = '<!-- config:end -->';

/** A file with a generated configuration region, and whether its tables show the allowed values. */
export interface ConfigDoc {
  /** From the repository's root. */
  path: string;
  withAllowedValues: boolean;
}

export const CONFIG_DOCS: readonly ConfigDoc[] = [
  { path: 'README.md', withAllowedValues: false },
  { path: 'docs/configuration.md', withAllowedValues: true },
];

const GENERATED_NOTE =
  '<!-- Generated from src/config/variables.ts and src/config/provider-variables.ts by `npm run docs:config`: edit those, not this. -->';

/**
 * `markdown` with its configuration region rewritten from the tables.
 *
 * @throws Error when the region's markers are missing.
 */
export function withConfigTables(markdown: string, doc: ConfigDoc): string {
  const start = markdown.indexOf(CONFIG_DOCS_START);
  const end = markdown.indexOf(CONFIG_DOCS_END, start);
  if (start < 0 || end < 0) {
    throw new Error(
      `${doc.path}: no ${CONFIG_DOCS_START} … ${CONFIG_DOCS_END} region to write the tables in`,
    );
  }
  const region = [
    CONFIG_DOCS_START,
    GENERATED_NOTE,
    variableTable(ENV_VARIABLES, (name) => name, doc.withAllowedValues),
    'Each provider named in `LLM_PROVIDERS` also reads these, where `<NAME>` is its name in upper case with `-` as `_` (`LLM_MY_PROXY_KIND` for `my-proxy`):',
    variableTable(PROVIDER_VARIABLES, (suffix) => `LLM_<NAME>_${suffix}`, doc.withAllowedValues),
    CONFIG_DOCS_END,
  ].join('\n\n');
  return markdown.slice(0, start) + region + markdown.slice(end + CONFIG_DOCS_END.length);
}

function variableTable(table: VariableTable, nameOf: (key: string) => string, withAllowedValues: boolean) {
  const header = withAllowedValues
    ? ['variable', 'default', 'allowed', 'meaning']
    : ['variable', 'default', 'meaning'];
  const rows = Object.entries(table).map(([key, variable]) => [
    `\`${nameOf(key)}\``,
    defaultText(variable),
    ...(withAllowedValues ? [allowedValuesOf(variable.schema) ?? ''] : []),
    variable.description,
  ]);
  return markdownTable([header, ...rows]);
}

function defaultText(variable: ConfigVariable): string {
  return typeof variable.default === 'string' ? `\`${variable.default}\`` : variable.default.derived;
}

/** An aligned markdown table; the first row is the header. */
function markdownTable(rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')));
  const widths = (cells[0] ?? []).map((_, column) =>
    Math.max(3, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    `| ${widths.map((width, column) => (row[column] ?? '').padEnd(width)).join(' | ')} |`;
  const [header = [], ...body] = cells;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}
