/** Payload encryption for Temporal (AES-256-GCM by key id) and the codec server for operators. */
export { PayloadDecryptionError, UnknownEncryptionKeyError } from './codec-errors';
export { ENCODED_FAILURE_CONVERTER_PATH, encryptionCodec, withEncryption } from './data-converter';
export { ENCRYPTED_ENCODING, EncryptionCodec, type EncryptionCodecOptions } from './encryption-codec';
export type { Compression, EncryptionKey, EncryptionMode, EncryptionSettings } from './types';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './codec-server';
