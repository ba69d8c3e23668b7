/** The data converter of Breakwater's worker, client and CLI: the encryption codec when it is on. */
import { extname, join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { EncryptionSettings, UndecryptablePayloads } from './types';

/**
 * The module whose `failureConverter` puts failure messages and stack traces in an encrypted payload
 * (`.ts` beside the sources, `.js` in the built package, as this file).
 */
export const ENCODED_FAILURE_CONVERTER_PATH = join(
  __dirname,
  `encoded-failure-converter${extname(__filename)}`,
);

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
 * `dataConverter` with the encryption codec of `settings` appended to its own codecs, and failure
 * messages and stack traces encoded into a payload (`ENCODED_FAILURE_CONVERTER_PATH`) unless it
 * has a failure converter of its own; search attributes never pass through a codec, so they stay
 * readable.
 */
export function withEncryption(
  settings: EncryptionSettings,
  dataConverter: DataConverter = {},
  undecryptable: UndecryptablePayloads = 'throw',
): DataConverter {
  const codec = encryptionCodec(settings, undecryptable);
  if (!codec) return dataConverter;
  return {
    ...dataConverter,
    failureConverterPath: dataConverter.failureConverterPath ?? ENCODED_FAILURE_CONVERTER_PATH,
    payloadCodecs: [...(dataConverter.payloadCodecs ?? []), codec],
  };
}
