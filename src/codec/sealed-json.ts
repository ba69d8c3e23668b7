/**
 * `JsonSealer`: JSON values that Breakwater keeps at rest outside Temporal (the DLQ's replay
 * payloads), sealed with the same codec and keys as Temporal's payloads. The key id stays beside
 * the sealed text, so every configured key still opens what it sealed, and rotation is adding a key.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { UnknownEncryptionKeyError } from './codec-errors';
import { encryptionCodec } from './data-converter';
import { EncryptionCodec, METADATA_KEY_ID } from './encryption-codec';
import type { EncryptionSettings } from './types';

/** A sealed value as it is stored: the text, and the key id when it is encrypted. */
export interface SealedJson {
  /** JSON, or the encrypted payload in base64 when `keyId` is set. */
  text: string;
  /** The id of the key that encrypted `text`; absent when it is plain JSON. */
  keyId?: string;
}

const { Payload } = temporal.api.common.v1;

export class JsonSealer {
  private readonly sealing: EncryptionCodec | undefined;
  private readonly opening: EncryptionCodec | undefined;

  /** Seals with the active key of `settings` when encryption is on; opens with any of its keys. */
  constructor(settings: EncryptionSettings) {
    this.sealing = encryptionCodec(settings);
    const [first] = settings.keys;
    // What was sealed while encryption was on still opens after it is turned off, keys kept.
    this.opening =
      this.sealing ??
      (first && new EncryptionCodec({ keys: settings.keys, activeKeyId: settings.activeKeyId ?? first.id }));
  }

  /** `value` as JSON, encrypted when encryption is on. */
  async seal(value: unknown): Promise<SealedJson> {
    if (!this.sealing) return { text: JSON.stringify(value) };
    const [sealed] = await this.sealing.encode([defaultPayloadConverter.toPayload(value)]);
    const keyId = Buffer.from(sealed!.metadata![METADATA_KEY_ID]!).toString();
    return { text: Buffer.from(Payload.encode(sealed!).finish()).toString('base64'), keyId };
  }

  /**
   * The value `sealed` holds. Throws `UnknownEncryptionKeyError` when its key is not configured, and
   * `PayloadDecryptionError` when it does not decrypt.
   */
  async open<T>(sealed: SealedJson): Promise<T> {
    if (sealed.keyId === undefined) return JSON.parse(sealed.text) as T;
    if (!this.opening) throw new UnknownEncryptionKeyError(sealed.keyId);
    const [payload] = await this.opening.decode([Payload.decode(Buffer.from(sealed.text, 'base64'))]);
    return defaultPayloadConverter.fromPayload<T>(payload!);
  }
}
