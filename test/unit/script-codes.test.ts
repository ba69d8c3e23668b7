import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCRIPT_CODES } from '../../src/redis/guard-scripts';

const codesLua = readFileSync(join(__dirname, '..', '..', 'src', 'redis', 'lua', '_codes.lua'), 'utf8');

describe('script return codes', () => {
  it('are the codes _codes.lua names, with the same values', () => {
    const named = Object.fromEntries(
      [...codesLua.matchAll(/^\s+([A-Z_]+) = (-?\d+),/gm)].map(([, name, value]) => [name, Number(value)]),
    );
    expect(named).toEqual(SCRIPT_CODES);
  });

  it('are distinct', () => {
    const values = Object.values(SCRIPT_CODES);
    expect(new Set(values).size).toBe(values.length);
  });
});
