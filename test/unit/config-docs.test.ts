import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOCS, withConfigTables } from '../../src/config/docs';

const root = join(__dirname, '..', '..');

describe('generated configuration docs', () => {
  it.each(CONFIG_DOCS.map((doc) => [doc.path, doc] as const))(
    '%s has the tables of src/config',
    (path, doc) => {
      const markdown = readFileSync(join(root, path), 'utf8');
      expect(markdown, `${path} is not what the config table generates: run npm run docs:config`).toBe(
        withConfigTables(markdown, doc),
      );
    },
  );
});
