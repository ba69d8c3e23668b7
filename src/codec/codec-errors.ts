/**
 * Why a payload cannot be decrypted. Both are non-retryable `ApplicationFailure`s with a stable
 * `type` from the error table: no retry brings a missing key back, so the task fails at once instead
 * of looping.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../errors/error-types';

/** A payload encrypted with a key id that is not configured (`BREAKWATER_ENCRYPTION_KEYS`). */
export class UnknownEncryptionKeyError extends ApplicationFailure {
  constructor(readonly keyId: string) {
    super(
      `payload encrypted with unknown key id '${keyId}': add that key to BREAKWATER_ENCRYPTION_KEYS`,
      ErrorType.UnknownEncryptionKey,
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
      ErrorType.PayloadDecryptionFailed,
      true,
    );
  }
}
