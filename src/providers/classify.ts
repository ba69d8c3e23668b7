/** Classification of provider outcomes into Breakwater errors (the table in DESIGN.md). */
import {
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
  return new NonRetryableInputError(
    label,
    code === 'context_length_exceeded' ? 'request.messages' : 'request',
    context,
  );
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
