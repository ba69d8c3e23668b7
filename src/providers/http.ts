/** One JSON POST to a provider with the activity's cancellation and a per-call timeout. */
import { classifyHttpStatus, classifyTransportError, malformedBody } from './classify';
import type { ProviderCallOptions } from './types';

/**
 * Posts `body` as JSON and returns the parsed 2xx body. Throws a classified Breakwater error on
 * any other outcome, or the cancellation reason when `options.signal` was aborted.
 */
export async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  options: ProviderCallOptions,
): Promise<unknown> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  let text: string;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    throw classifyTransportError(error, timeout.aborted, options.context);
  }
  if (response.status < 200 || response.status >= 300) {
    throw classifyHttpStatus(response.status, response.headers, text, options.context);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformedBody(options.context, 'not JSON');
  }
}
