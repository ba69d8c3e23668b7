import { defaultPayloadConverter, type ApplicationFailure, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  PayloadDecryptionError,
  UnknownEncryptionKeyError,
  withEncryption,
} from '../../src/codec';

const OLD = { id: 'old', key: Buffer.alloc(32, 7) };
const NEW = { id: 'new', key: Buffer.alloc(32, 9) };
const SECRET = 'my card is 4111 1111 1111 1111, mail jane@example.com';

const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

describe('EncryptionCodec', () => {
  it('round-trips a payload and hides its text, naming the key in the metadata', async () => {
    const codec = new EncryptionCodec({ keys: [OLD], activeKeyId: 'old' });
    const [encrypted] = await codec.encode([payloadOf({ prompt: SECRET })]);
    expect(text(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata!['encryption-key-id'])).toBe('old');
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toContain('jane@example.com');
    const [decrypted] = await codec.decode([encrypted!]);
    expect(valueOf(decrypted!)).toEqual({ prompt: SECRET });
  });

  it('uses a fresh IV each time', async () => {
    const codec = new EncryptionCodec({ keys: [OLD], activeKeyId: 'old' });
    const [a, b] = await codec.encode([payloadOf(SECRET), payloadOf(SECRET)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it.each(['gzip', 'brotli'] as const)(
    'compresses with %s before encrypting, marked in the metadata',
    async (compression) => {
      const codec = new EncryptionCodec({ keys: [OLD], activeKeyId: 'old', compression });
      const long = { prompt: SECRET.repeat(200) };
      const [plain] = await new EncryptionCodec({ keys: [OLD], activeKeyId: 'old' }).encode([
        payloadOf(long),
      ]);
      const [compressed] = await codec.encode([payloadOf(long)]);
      expect(text(compressed!.metadata!['encryption-compression'])).toBe(compression);
      expect(compressed!.data!.length).toBeLessThan(plain!.data!.length / 10);
      expect(valueOf((await codec.decode([compressed!]))[0]!)).toEqual(long);
    },
  );

  it('leaves a short payload uncompressed when compression would grow it', async () => {
    const codec = new EncryptionCodec({ keys: [OLD], activeKeyId: 'old', compression: 'gzip' });
    const [encrypted] = await codec.encode([payloadOf(1)]);
    expect(encrypted!.metadata!['encryption-compression']).toBeUndefined();
    expect(valueOf((await codec.decode([encrypted!]))[0]!)).toBe(1);
  });

  it('decrypts with every known key after a rotation', async () => {
    const before = new EncryptionCodec({ keys: [OLD], activeKeyId: 'old' });
    const after = new EncryptionCodec({ keys: [OLD, NEW], activeKeyId: 'new' });
    const [old] = await before.encode([payloadOf('written before')]);
    const [fresh] = await after.encode([payloadOf('written after')]);
    expect(text(fresh!.metadata!['encryption-key-id'])).toBe('new');
    expect((await after.decode([old!, fresh!])).map(valueOf)).toEqual(['written before', 'written after']);
  });

  it('passes unencrypted payloads through', async () => {
    const codec = new EncryptionCodec({ keys: [OLD], activeKeyId: 'old' });
    const plain = payloadOf('from before encryption');
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('fails non-retryably, naming the key id, on an unknown key', async () => {
    const [encrypted] = await new EncryptionCodec({ keys: [NEW], activeKeyId: 'new' }).encode([
      payloadOf(SECRET),
    ]);
    const error = await new EncryptionCodec({ keys: [OLD], activeKeyId: 'old' })
      .decode([encrypted!])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownEncryptionKeyError);
    expect((error as ApplicationFailure).type).toBe('UnknownEncryptionKeyError');
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as Error).message).toContain("'new'");
  });

  it('refuses an altered payload or altered metadata', async () => {
    const codec = new EncryptionCodec({ keys: [OLD], activeKeyId: 'old', compression: 'gzip' });
    const [encrypted] = await codec.encode([payloadOf(SECRET.repeat(20))]);
    const flipped = Buffer.from(encrypted!.data!);
    flipped[20]! ^= 1;
    await expect(codec.decode([{ ...encrypted!, data: flipped }])).rejects.toBeInstanceOf(
      PayloadDecryptionError,
    );
    const metadata = { ...encrypted!.metadata! };
    delete metadata['encryption-compression'];
    await expect(codec.decode([{ ...encrypted!, metadata }])).rejects.toBeInstanceOf(PayloadDecryptionError);
  });

  it('refuses an active key that is not among the keys', () => {
    expect(() => new EncryptionCodec({ keys: [OLD], activeKeyId: 'new' })).toThrow(RangeError);
  });
});

describe('withEncryption', () => {
  it('adds the codec only when encryption is on', () => {
    const keys = [OLD];
    expect(withEncryption({ mode: 'off', keys, activeKeyId: 'old', compression: 'off' })).toEqual({});
    expect(withEncryption({ mode: 'optional', keys: [], compression: 'off' })).toEqual({});
    const converter = withEncryption({ mode: 'optional', keys, activeKeyId: 'old', compression: 'off' });
    expect(converter.payloadCodecs).toHaveLength(1);
  });
});
