/** The data converter of Breakwater's worker, client and CLI: the encryption codec when it is on. */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { EncryptionSettings, UndecryptablePayloads } from './types';

/** The codec of `settings`, or undefined when payloads go unencrypted (mode `off`, or no key). */
export function encryptionCodec(
  settings: EncryptionSettings,
  undecryptable: UndecryptablePayloads = 'throw',
): EncryptionCodec | undefined {
  if (settings.mode === 'off' || settings.activeKeyId === undefined) return undefined;
  return new EncryptionCodec({
    keys: settings.keys,
    activeKeyId: settings.activeKeyId,
    compression: settings.compression,
    undecryptable,
  });
}

/**
 * `dataConverter` with the encryption codec of `settings` appended to its own codecs; search
 * attributes never pass through a codec, so they stay readable.
 */
export function withEncryption(
  settings: EncryptionSettings,
  dataConverter: DataConverter = {},
  undecryptable: UndecryptablePayloads = 'throw',
): DataConverter {
  const codec = encryptionCodec(settings, undecryptable);
  if (!codec) return dataConverter;
  return { ...dataConverter, payloadCodecs: [...(dataConverter.payloadCodecs ?? []), codec] };
}
