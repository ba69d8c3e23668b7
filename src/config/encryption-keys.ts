/**
 * The payload encryption keys: `id=base64,id=base64` (commas or new lines) or a JSON object
 * `{"id": "base64"}`, each key 32 bytes (AES-256). Errors name the key id, never the key.
 */
import { z } from 'zod';
import type { EncryptionKey } from '../codec/types';
import { allowing, type EnvSchema } from './schemas';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_BYTES = 32;

/** The keys written in `text`, in order; a problem is returned as text, naming the key id only. */
export function parseEncryptionKeys(text: string): EncryptionKey[] | string {
  const entries = keyEntries(text.trim());
  if (typeof entries === 'string') return entries;
  if (entries.length === 0) return 'must name at least one key';
  const keys: EncryptionKey[] = [];
  for (const [id, base64] of entries) {
    if (!KEY_ID.test(id)) return `key id '${id}' must be 1 to 64 letters, digits, '.', '_' or '-'`;
    if (keys.some((key) => key.id === id)) return `key id '${id}' is given twice`;
    const key = Buffer.from(base64, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || key.length !== KEY_BYTES) {
      return `key '${id}' must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`;
    }
    keys.push({ id, key });
  }
  return keys;
}

function keyEntries(text: string): Array<[string, string]> | string {
  if (text.startsWith('{')) {
    let object: unknown;
    try {
      object = JSON.parse(text);
    } catch {
      return 'must be JSON {"id": "base64 key"} or id=base64,id=base64';
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      return 'must be a JSON object {"id": "base64 key"}';
    }
    const entries = Object.entries(object);
    const notText = entries.find(([, value]) => typeof value !== 'string');
    if (notText) return `key '${notText[0]}' must be a base64 string`;
    return entries as Array<[string, string]>;
  }
  const entries: Array<[string, string]> = [];
  for (const item of text.split(/[,\n]/).map((entry) => entry.trim())) {
    if (item === '') continue;
    const split = item.indexOf('=');
    const value = item.slice(split + 1).trim();
    // Not the item itself: a key given without its id must not be echoed.
    if (split <= 0 || value === '') {
      return `item ${entries.length + 1} must be id=base64 (pairs comma-separated), or the whole value a JSON object`;
    }
    entries.push([item.slice(0, split).trim(), value]);
  }
  return entries;
}

/** BREAKWATER_ENCRYPTION_KEYS. */
export const encryptionKeys: EnvSchema<EncryptionKey[]> = allowing(
  z.string().transform((text, context) => {
    const keys = parseEncryptionKeys(text);
    if (typeof keys !== 'string') return keys;
    context.issues.push({ code: 'custom', input: undefined, message: keys });
    return z.NEVER;
  }),
  '`id=base64key,id=base64key` or JSON `{"id": "base64key"}`; 32-byte keys',
);
