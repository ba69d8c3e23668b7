/**
 * Why a payload cannot be decrypted. Both are non-retryable `ApplicationFailure`s with a stable
 * `type`: no retry brings a missing key back, so the activity fails at once instead of looping.
 */
import { ApplicationFailure } from '@temporalio/common';

/** The `type` of the failure when a payload was encrypted with a key id this process does not know. */
export const UNKNOWN_ENCRYPTION_KEY = 'UnknownEncryptionKeyError';
/** The `type` of the failure when an encrypted payload does not decrypt with its key. */
export const PAYLOAD_DECRYPTION_FAILED = 'PayloadDecryptionError';

/** A payload encrypted with a key id that is not configured (`BREAKWATER_ENCRYPTION_KEYS`). */
export class UnknownEncryptionKeyError extends ApplicationFailure {
  constructor(readonly keyId: string) {
    super(
      `payload encrypted with unknown key id '${keyId}': add that key to BREAKWATER_ENCRYPTION_KEYS`,
      UNKNOWN_ENCRYPTION_KEY,
      true,
    );
  }
}

/** An encrypted payload that its key does not open (altered, truncated or a wrong key under that id). */
export class PayloadDecryptionError extends ApplicationFailure {
  constructor(
    readonly keyId: string,
    problem: string,
  ) {
    super(
      `payload encrypted with key id '${keyId}' does not decrypt: ${problem}`,
      PAYLOAD_DECRYPTION_FAILED,
      true,
    );
  }
}

/** The failure types of this codec: add them to a RetryPolicy's `nonRetryableErrorTypes`. */
export const CODEC_ERROR_TYPES: readonly string[] = [UNKNOWN_ENCRYPTION_KEY, PAYLOAD_DECRYPTION_FAILED];
