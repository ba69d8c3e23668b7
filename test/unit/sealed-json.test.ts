import { describe, expect, it } from 'vitest';
import type { EncryptionSettings } from '../../src/codec';
import { JsonSealer } from '../../src/codec/sealed-json';

const K1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const K2 = { id: 'k2', key: Buffer.alloc(32, 2) };
const VALUE = {
  input: { prompt: 'mail jane.roe@example.com, card 4111 1111 1111 1111' },
  deadlineMs: 60_000,
};

function settings(overrides: Partial<EncryptionSettings> = {}): EncryptionSettings {
  return { mode: 'optional', keys: [K1], activeKeyId: 'k1', compression: 'off', ...overrides };
}

describe('JsonSealer', () => {
  it('stores JSON in the clear when encryption is off, and opens it', async () => {
    const sealer = new JsonSealer(settings({ mode: 'off' }));
    const sealed = await sealer.seal(VALUE);
    expect(sealed).toEqual({ text: JSON.stringify(VALUE) });
    await expect(sealer.open(sealed)).resolves.toEqual(VALUE);
  });

  it('seals with the active key, hiding the text, and opens it again', async () => {
    const sealer = new JsonSealer(settings({ compression: 'gzip' }));
    const sealed = await sealer.seal(VALUE);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.text).not.toContain('jane.roe');
    expect(Buffer.from(sealed.text, 'base64').toString('latin1')).not.toContain('jane.roe');
    await expect(sealer.open(sealed)).resolves.toEqual(VALUE);
  });

  it('opens what an older key sealed after a rotation, and seals with the new one', async () => {
    const before = await new JsonSealer(settings()).seal(VALUE);
    const rotated = new JsonSealer(settings({ keys: [K1, K2], activeKeyId: 'k2' }));
    await expect(rotated.open(before)).resolves.toEqual(VALUE);
    expect((await rotated.seal(VALUE)).keyId).toBe('k2');
  });

  it('still opens with the keys kept after encryption is turned off', async () => {
    const sealed = await new JsonSealer(settings()).seal(VALUE);
    await expect(new JsonSealer(settings({ mode: 'off' })).open(sealed)).resolves.toEqual(VALUE);
  });

  it('names the key id it lacks, with or without keys configured', async () => {
    const sealed = await new JsonSealer(settings({ keys: [K2], activeKeyId: 'k2' })).seal(VALUE);
    await expect(new JsonSealer(settings()).open(sealed)).rejects.toMatchObject({
      type: 'UnknownEncryptionKeyError',
      message: expect.stringContaining("unknown key id 'k2'"),
    });
    const none = new JsonSealer({ mode: 'off', keys: [], compression: 'off' });
    await expect(none.open(sealed)).rejects.toThrow("unknown key id 'k2'");
  });

  it('refuses an altered text', async () => {
    const sealed = await new JsonSealer(settings()).seal(VALUE);
    const bytes = Buffer.from(sealed.text, 'base64');
    bytes[bytes.length - 3]! ^= 1;
    await expect(
      new JsonSealer(settings()).open({ ...sealed, text: bytes.toString('base64') }),
    ).rejects.toMatchObject({ type: 'PayloadDecryptionError' });
  });
});
