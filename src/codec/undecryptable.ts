/**
 * What a worker's codec leaves in place of a payload it cannot decrypt: a JSON marker carrying the
 * codec's failure. Throwing in the codec would fail the workflow task, which Temporal retries for
 * ever; the marker instead reaches the interceptors (`throwIfUndecryptable`), which fail the
 * workflow or the activity with the named, non-retryable error.
 *
 * Imported by workflow code: no Node built-ins, no I/O.
 */
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';

const MARKER = '__breakwaterUndecryptable';

interface UndecryptableMarker {
  [MARKER]: { type: string; message: string };
}

/** The payload that stands for one the codec could not decrypt, because of `failure`. */
export function undecryptablePayload(failure: ApplicationFailure): Payload {
  const marker: UndecryptableMarker = {
    [MARKER]: { type: failure.type ?? 'PayloadDecryptionError', message: failure.message },
  };
  return defaultPayloadConverter.toPayload(marker);
}

function isMarker(value: unknown): value is UndecryptableMarker {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, MARKER);
}

/** Throws the codec's failure, non-retryable, when one of `values` stands for an undecryptable payload. */
export function throwIfUndecryptable(values: readonly unknown[]): void {
  const marker = values.find(isMarker);
  if (!marker) return;
  const { type, message } = marker[MARKER];
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}
