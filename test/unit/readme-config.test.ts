import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README configuration table', () => {
  it.each(CONFIG_VARIABLES.map((variable) => [variable.name, variable.default]))(
    'documents %s with its default %s',
    (name, defaultValue) => {
      const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(readme).toMatch(
        new RegExp(`\\|\\s*\`${escape(name)}\`\\s*\\|\\s*\`${escape(defaultValue)}\`\\s*\\|`),
      );
    },
  );
});
