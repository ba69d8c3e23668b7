import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configError } from '../support/config-error';
import { loadConfig } from '../../src/config';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

describe('encryption settings', () => {
  it('are off without keys', () => {
    expect(loadConfig({}).encryption).toEqual({ mode: 'off', keys: [], compression: 'off' });
  });

  it('read id=base64 pairs, the last one active, optional by default', () => {
    const { encryption } = loadConfig({ BREAKWATER_ENCRYPTION_KEYS: `a=${KEY_A}, b=${KEY_B}` });
    expect(encryption.mode).toBe('optional');
    expect(encryption.keys.map((key) => key.id)).toEqual(['a', 'b']);
    expect(encryption.keys[0]!.key).toEqual(Buffer.alloc(32, 1));
    expect(encryption.activeKeyId).toBe('b');
  });

  it('read a JSON map and an explicit active key', () => {
    const { encryption } = loadConfig({
      BREAKWATER_ENCRYPTION_KEYS: JSON.stringify({ a: KEY_A, b: KEY_B }),
      BREAKWATER_ENCRYPTION_ACTIVE_KEY: 'a',
      BREAKWATER_ENCRYPTION_COMPRESS: 'brotli',
    });
    expect(encryption.activeKeyId).toBe('a');
    expect(encryption.compression).toBe('brotli');
  });

  it('read a key file, one key a line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bw-keys-')), 'keys');
    writeFileSync(file, `old=${KEY_A}\nnew=${KEY_B}\n`);
    const { encryption } = loadConfig({ BREAKWATER_ENCRYPTION_KEY_FILE: file });
    expect(encryption.keys.map((key) => key.id)).toEqual(['old', 'new']);
    expect(encryption.activeKeyId).toBe('new');
  });

  it('refuse required without a key, naming the variable', () => {
    expect(configError({ BREAKWATER_ENCRYPTION: 'required' }).variable).toBe('BREAKWATER_ENCRYPTION_KEYS');
  });

  it('keep off when asked, keys or not', () => {
    expect(
      loadConfig({ BREAKWATER_ENCRYPTION: 'off', BREAKWATER_ENCRYPTION_KEYS: `a=${KEY_A}` }).encryption.mode,
    ).toBe('off');
  });

  it.each([
    ['a=c2hvcnQ=', "key 'a' must be 32 bytes"],
    [`a=${KEY_A},a=${KEY_B}`, "key id 'a' is given twice"],
    [`bad id=${KEY_A}`, "key id 'bad id'"],
    ['{"a": 1}', "key 'a' must be a base64 string"],
    ['{not json', 'must be JSON'],
    [KEY_A, 'item 1 must be id=base64'],
  ])('refuse keys %s without showing them', (keys, problem) => {
    const error = configError({ BREAKWATER_ENCRYPTION_KEYS: keys });
    expect(error.variable).toBe('BREAKWATER_ENCRYPTION_KEYS');
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain(KEY_A);
  });

  it('refuse an active key that is not configured', () => {
    const error = configError({
      BREAKWATER_ENCRYPTION_KEYS: `a=${KEY_A}`,
      BREAKWATER_ENCRYPTION_ACTIVE_KEY: 'z',
    });
    expect(error.variable).toBe('BREAKWATER_ENCRYPTION_ACTIVE_KEY');
  });

  it('refuse both a key file and keys', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bw-keys-')), 'keys');
    writeFileSync(file, `a=${KEY_A}`);
    const error = configError({
      BREAKWATER_ENCRYPTION_KEY_FILE: file,
      BREAKWATER_ENCRYPTION_KEYS: `a=${KEY_A}`,
    });
    expect(error.variable).toBe('BREAKWATER_ENCRYPTION_KEY_FILE');
  });
});
