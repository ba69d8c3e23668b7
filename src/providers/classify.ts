/** Classification of provider outcomes into Breakwater errors (the table in DESIGN.md). */
import type { LlmResponse } from '../llm/response';
import {
  ContentPolicyError,
  NonRetryableInputError,
  ProviderConfigurationError,
  RateLimitedError,
  RetryableExternalError,
  type BreakwaterError,
  type ErrorContext,
} from '../errors';

/** Parses `retry-after-ms`, then `retry-after` (seconds or an HTTP date), into milliseconds. */
export function parseRetryAfter(headers: Headers, now: () => number = Date.now): number | undefined {
  const millis = headers.get('retry-after-ms');
  if (millis !== null && /^\d+(\.\d+)?$/.test(millis.trim())) return Math.round(Number(millis));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}

/** A short, prompt-free code from the provider's error body (`context_length_exceeded`, …). */
export function providerErrorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; type?: unknown } };
    const code = parsed.error?.code ?? parsed.error?.type;
    return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The request field an input error points at, by the provider's error code (else `request`). */
const FIELD_BY_CODE: Readonly<Record<string, string>> = {
  context_length_exceeded: 'request.messages',
  request_too_large: 'request.messages',
  model_not_found: 'request.model',
  not_found_error: 'request.model',
};

const FIELD_BY_STATUS: Readonly<Record<number, string>> = { 404: 'request.model', 413: 'request.messages' };

/** Anthropic reports a prompt past the context window only in its message ("prompt is too long: …"). */
const CONTEXT_EXCEEDED_MESSAGE = /prompt is too long|maximum context length|context window/i;

function providerErrorMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : '';
  } catch {
    return '';
  }
}

/** The field of a refused request, read (never copied) from the provider's status, code and message. */
function inputFieldOf(status: number, code: string | undefined, body: string): string {
  if (code !== undefined && Object.hasOwn(FIELD_BY_CODE, code)) return FIELD_BY_CODE[code]!;
  if (Object.hasOwn(FIELD_BY_STATUS, status)) return FIELD_BY_STATUS[status]!;
  return CONTEXT_EXCEEDED_MESSAGE.test(providerErrorMessage(body)) ? 'request.messages' : 'request';
}

/** Maps a non-2xx HTTP answer to its error. */
export function classifyHttpStatus(
  status: number,
  headers: Headers,
  body: string,
  context: Partial<ErrorContext>,
): BreakwaterError {
  const code = providerErrorCode(body);
  const label = `${context.provider ?? 'provider'} answered HTTP ${status}${code ? ` (${code})` : ''}`;
  if (status === 429) return new RateLimitedError(label, context, parseRetryAfter(headers));
  if (status === 408 || status === 409 || status >= 500) {
    return new RetryableExternalError(label, `http_${status}`, context, parseRetryAfter(headers));
  }
  if (status === 401 || status === 403 || status === 402)
    return new ProviderConfigurationError(label, context);
  return new NonRetryableInputError(label, inputFieldOf(status, code, body), context);
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps a failure of the HTTP exchange itself (connect error, reset, timeout) to a retryable error. */
export function classifyTransportError(error: unknown, timedOut: boolean, context: Partial<ErrorContext>) {
  const provider = context.provider ?? 'provider';
  if (timedOut) return new RetryableExternalError(`${provider} call timed out`, 'timeout', context);
  const code = errorCode(error);
  if (code && RESET_CODES.has(code)) {
    return new RetryableExternalError(`${provider} connection reset (${code})`, 'connection_reset', context);
  }
  if (code && CONNECT_CODES.has(code)) {
    return new RetryableExternalError(`${provider} unreachable (${code})`, 'connect_error', context);
  }
  return new RetryableExternalError(
    `${provider} request failed${code ? ` (${code})` : ''}`,
    'network_error',
    context,
  );
}

/** A 2xx answer whose body is not what the provider's API promises. */
export function malformedBody(context: Partial<ErrorContext>, what: string): RetryableExternalError {
  return new RetryableExternalError(
    `${context.provider ?? 'provider'} returned a malformed body (${what})`,
    'malformed_body',
    context,
  );
}

/**
 * A parsed 2xx answer, accepted as a success, or its error: a refusal or a content-filter finish is a
 * `ContentPolicyError` (not retried, not counted against the breaker). A tool-call answer is a success.
 */
export function acceptAnswer(response: LlmResponse, context: Partial<ErrorContext>): LlmResponse {
  const { finishReason, rawFinishReason } = response;
  if (finishReason === 'content_filter' || finishReason === 'refusal') {
    throw new ContentPolicyError(
      `${context.provider ?? 'provider'} declined to answer (${finishReason})`,
      finishReason,
      rawFinishReason,
      context,
      response.usage,
    );
  }
  return response;
}
