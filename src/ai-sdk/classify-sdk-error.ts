/**
 * Classification of what an AI SDK model call threw into Breakwater's taxonomy, with the same
 * rules as Breakwater's own provider adapters (`providers/classify.ts`): the AI SDK's
 * `APICallError` carries the HTTP status, headers and body those rules read.
 */
import {
  APICallError,
  EmptyResponseBodyError,
  InvalidResponseDataError,
  JSONParseError,
  TypeValidationError,
} from '@ai-sdk/provider';
import { isBreakwaterError, type BreakwaterError, type ErrorContext } from '../errors';
import { classifyHttpStatus, classifyTransportError, malformedBody } from '../providers/classify';

/**
 * The Breakwater error of `error`, thrown by an AI SDK model call; undefined when it is none the
 * provider's answer explains (a bug, an unexpected exception: retried, and counted against nothing).
 * `timedOut`: the call's own timeout aborted it.
 */
export function classifySdkError(
  error: unknown,
  timedOut: boolean,
  context: Partial<ErrorContext>,
): BreakwaterError | undefined {
  if (isBreakwaterError(error)) return error;
  if (timedOut) return classifyTransportError(error, true, context);
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined) return classifyTransportError(error, false, context);
    // A 2xx answer the AI SDK could not read: its body is not what the API promises.
    if (status >= 200 && status < 300) return malformedBody(context, 'unreadable answer');
    return classifyHttpStatus(
      status,
      new Headers(error.responseHeaders ?? {}),
      error.responseBody ?? '',
      context,
    );
  }
  if (
    EmptyResponseBodyError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error)
  ) {
    return malformedBody(context, error.name);
  }
  return undefined;
}
