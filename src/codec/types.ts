/** The settings of payload encryption, as `loadConfig` reads them (`BREAKWATER_ENCRYPTION_*`). */

export const ENCRYPTION_MODES = ['required', 'optional', 'off'] as const;
/** `required`: a key must be configured; `optional`: encrypt when one is; `off`: no codec. */
export type EncryptionMode = (typeof ENCRYPTION_MODES)[number];

export const COMPRESSIONS = ['off', 'gzip', 'brotli'] as const;
/** How a payload is compressed before it is encrypted. */
export type Compression = (typeof COMPRESSIONS)[number];

/**
 * What the codec does with a payload it cannot decrypt: `throw` its error (clients, the CLI), or
 * `mark` it so that the worker fails the task with that error instead of retrying the workflow task.
 */
export type UndecryptablePayloads = 'throw' | 'mark';

/** One AES-256 key and the id written beside every payload it encrypts. */
export interface EncryptionKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface EncryptionSettings {
  mode: EncryptionMode;
  /** Every key that decrypts, in the order configured. */
  keys: EncryptionKey[];
  /** The id of the key that encrypts (one of `keys`), when there are keys. */
  activeKeyId?: string;
  compression: Compression;
}

/** Where `breakwater codec-server` listens, who may call it. */
export interface CodecServerSettings {
  host: string;
  port: number;
  /** Browser origins allowed by CORS (the Web UI's). */
  corsOrigins: string[];
  /** The bearer token every call must carry, when set. */
  token?: string;
}
