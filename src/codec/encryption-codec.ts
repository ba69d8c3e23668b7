/**
 * `EncryptionCodec`: Temporal payloads encrypted with AES-256-GCM, optionally compressed first. The
 * key id, the cipher and the compression sit in the encrypted payload's metadata (and are bound to
 * it as authenticated data), so every configured key still decrypts what it encrypted.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import {
  ApplicationFailure,
  METADATA_ENCODING_KEY,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { PayloadDecryptionError, UnknownEncryptionKeyError } from './codec-errors';
import type { Compression, EncryptionKey, UndecryptablePayloads } from './types';
import { undecryptablePayload } from './undecryptable';

/** The `encoding` of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata keys of an encrypted payload. */
export const METADATA_KEY_ID = 'encryption-key-id';
export const METADATA_CIPHER = 'encryption-cipher';
export const METADATA_COMPRESSION = 'encryption-compression';

const CIPHER = 'aes-256-gcm';
const CIPHER_NAME = 'AES256GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface EncryptionCodecOptions {
  /** Every key that decrypts. */
  keys: readonly EncryptionKey[];
  /** The id of the key that encrypts: one of `keys`. */
  activeKeyId: string;
  /** Compression before encryption (default `off`). */
  compression?: Compression;
  /** What `decode` does with a payload it cannot decrypt (default `throw`). */
  undecryptable?: UndecryptablePayloads;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: EncryptionKey;
  private readonly compression: Compression;
  private readonly undecryptable: UndecryptablePayloads;

  constructor(options: EncryptionCodecOptions) {
    this.keys = new Map(options.keys.map(({ id, key }) => [id, key]));
    const active = this.keys.get(options.activeKeyId);
    if (!active) throw new RangeError(`activeKeyId '${options.activeKeyId}' is not one of the keys`);
    this.active = { id: options.activeKeyId, key: active };
    this.compression = options.compression ?? 'off';
    this.undecryptable = options.undecryptable ?? 'throw';
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decryptOrMark(payload));
  }

  private decryptOrMark(payload: Payload): Payload {
    try {
      return this.decrypt(payload);
    } catch (error) {
      if (this.undecryptable === 'mark' && error instanceof ApplicationFailure) {
        return undecryptablePayload(error);
      }
      throw error;
    }
  }

  private encrypt(payload: Payload): Payload {
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const compressed = compress(plain, this.compression);
    // Only worth marking when it helps: a short payload may grow.
    const compression = compressed.length < plain.length ? this.compression : 'off';
    const body = compression === 'off' ? plain : compressed;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.active.key, iv);
    cipher.setAAD(authenticated(this.active.id, compression));
    const encrypted = Buffer.concat([iv, cipher.update(body), cipher.final(), cipher.getAuthTag()]);
    const metadata: Record<string, Uint8Array> = {
      [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
      [METADATA_KEY_ID]: encoder.encode(this.active.id),
      [METADATA_CIPHER]: encoder.encode(CIPHER_NAME),
    };
    if (compression !== 'off') metadata[METADATA_COMPRESSION] = encoder.encode(compression);
    return { metadata, data: encrypted };
  }

  private decrypt(payload: Payload): Payload {
    const metadata = payload.metadata ?? {};
    const encoding = metadata[METADATA_ENCODING_KEY];
    // Payloads written before encryption was turned on still read.
    if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = decoder.decode(metadata[METADATA_KEY_ID] ?? new Uint8Array());
    const key = this.keys.get(keyId);
    if (!key) throw new UnknownEncryptionKeyError(keyId);
    const compression = readCompression(metadata[METADATA_COMPRESSION], keyId);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(keyId, 'too short');
    let body: Buffer;
    try {
      const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
      decipher.setAAD(authenticated(keyId, compression));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      body = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadDecryptionError(keyId, 'authentication failed');
    }
    return temporal.api.common.v1.Payload.decode(decompress(body, compression));
  }
}

function authenticated(keyId: string, compression: Compression): Buffer {
  return Buffer.from(`${CIPHER_NAME}\n${keyId}\n${compression}`);
}

function readCompression(value: Uint8Array | null | undefined, keyId: string): Compression {
  if (!value) return 'off';
  const compression = decoder.decode(value);
  if (compression === 'gzip' || compression === 'brotli') return compression;
  throw new PayloadDecryptionError(keyId, `unknown compression '${compression}'`);
}

function compress(data: Uint8Array, compression: Compression): Uint8Array {
  if (compression === 'gzip') return gzipSync(data);
  if (compression === 'brotli') return brotliCompressSync(data);
  return data;
}

function decompress(data: Buffer, compression: Compression): Buffer {
  if (compression === 'gzip') return gunzipSync(data);
  if (compression === 'brotli') return brotliDecompressSync(data);
  return data;
}
