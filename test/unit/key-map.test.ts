import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEY_MAP, KeySpace, luaKeyFunctions } from '../../src/redis/keys';

const LUA_DIR = join(__dirname, '..', '..', 'src', 'redis', 'lua');
const lua = readdirSync(LUA_DIR).map((file) => ({ file, text: readFileSync(join(LUA_DIR, file), 'utf8') }));

describe('KeySpace', () => {
  const keys = new KeySpace('bw');

  it('builds every key from the slot key, so it carries the hash tag', () => {
    expect(keys.key('breakerState', 'openai')).toBe('bw:{bw}:breaker:openai:state');
    expect(keys.key('budgetRun', 'run-1')).toBe('bw:{bw}:budget:run:run-1');
    expect(keys.key('dlqStream')).toBe('bw:{bw}:ai:dlq');
    for (const name of Object.keys(KEY_MAP) as Array<keyof typeof KEY_MAP>) {
      const parts = (KEY_MAP[name].pattern.match(/<[a-zA-Z]+>/g) ?? []).map(() => 'x');
      expect((keys.key as (name: string, ...parts: string[]) => string)(name, ...parts)).toMatch(
        /^bw:\{bw\}:/,
      );
    }
  });

  it('refuses a key built with the wrong number of parts, naming the key', () => {
    const key = keys.key as (name: string, ...parts: string[]) => string;
    expect(() => key('dlqClaim')).toThrow(/^dlqClaim: takes jobId$/);
    expect(() => key('dlqStream', 'extra')).toThrow(/^dlqStream: takes no parts$/);
  });

  it('refuses a prefix that could break the key layout, naming it', () => {
    expect(() => new KeySpace('a b')).toThrow(/^keyPrefix: 'a b' must be 1-64 characters/);
  });
});

describe('the key map in Lua', () => {
  it('defines one KEY function per key, building the same key as TypeScript', () => {
    const functions = luaKeyFunctions();
    expect(functions).toContain(
      "breakerState = function(provider) return base .. ':breaker:' .. provider .. ':state' end,",
    );
    expect(functions).toContain("dlqStream = function() return base .. ':ai:dlq' end,");
    expect(functions.match(/= function\(/g)).toHaveLength(Object.keys(KEY_MAP).length);
  });

  it.each(lua.map(({ file }) => file))('%s builds no key of its own and names only mapped keys', (file) => {
    const { text } = lua.find((candidate) => candidate.file === file)!;
    expect(text).not.toMatch(/base \.\./);
    for (const [, name] of text.matchAll(/KEY\.([A-Za-z]+)/g)) expect(Object.keys(KEY_MAP)).toContain(name);
    for (const [, name] of text.matchAll(/breakerKey\('([A-Za-z]+)'\)/g)) {
      expect(Object.keys(KEY_MAP)).toContain(name);
    }
  });
});
