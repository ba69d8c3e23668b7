/** The documented minimal ACL (docs/redis-acl.md) lets the function library run every command it calls. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/testing/toolchain';

const LUA_DIR = join(PROJECT_ROOT, 'src', 'redis', 'lua');

function commandsCalledByTheLibrary(): string[] {
  const commands = new Set<string>();
  for (const file of readdirSync(LUA_DIR).filter((name) => name.endsWith('.lua')))
    for (const match of readFileSync(join(LUA_DIR, file), 'utf8').matchAll(/redis\.call\('([A-Za-z]+)'/g))
      commands.add(match[1]!.toLowerCase());
  return [...commands].sort();
}

describe('docs/redis-acl.md', () => {
  it("allows every command the Lua functions call (Redis checks them with the caller's ACL)", () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'redis-acl.md'), 'utf8');
    const line = /^ACL SETUSER breakwater (.+)$/m.exec(doc)![1]!;
    const allowed = new Set([...line.matchAll(/\+([a-z|]+)/g)].map((match) => match[1]!));
    const called = commandsCalledByTheLibrary();
    expect(called.length).toBeGreaterThan(10);
    expect(called.filter((command) => !allowed.has(command))).toEqual([]);
  });
});
