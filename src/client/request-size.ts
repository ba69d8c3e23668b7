/**
 * The size of a request as Temporal stores it: its default payload converter writes the UTF-8 bytes of
 * the value's JSON. A submit keeps the request under a bound, so that no payload that carries it (the
 * workflow's input, each activity's input) ever reaches Temporal's payload size limit.
 */
import { NonRetryableInputError } from '../errors';
import type { LlmRequest } from '../llm/request';

/** The UTF-8 bytes of `value`'s JSON, as Temporal's JSON payload converter encodes it. */
export function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Refuses a request whose JSON is larger than `maxBytes` (`MAX_REQUEST_BYTES`), naming `request`. */
export function checkRequestSize(request: LlmRequest, maxBytes: number): void {
  const bytes = jsonByteLength(request);
  if (bytes > maxBytes) {
    throw new NonRetryableInputError(
      `request: is ${bytes} bytes as JSON, more than the ${maxBytes} allowed (MAX_REQUEST_BYTES)`,
      'request',
    );
  }
}
