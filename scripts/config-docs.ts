/**
 * Writes the configuration tables, generated from the table in `src/config/`, into the region
 * between `<!-- config:start -->` and `<!-- config:end -->` of README.md and docs/configuration.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DOCS, withConfigTables } from '../src/config/docs';

const root = join(__dirname, '..');

for (const doc of CONFIG_DOCS) {
  const path = join(root, doc.path);
  const markdown = readFileSync(path, 'utf8');
  const generated = withConfigTables(markdown, doc);
  if (generated === markdown) {
    console.log(`${doc.path}: up to date`);
  } else {
    writeFileSync(path, generated);
    console.log(`${doc.path}: written`);
  }
}
