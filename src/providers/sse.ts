/**
 * One streamed POST to a provider: the request as JSON, the answer as server-sent events, read with
 * `eventsource-parser`. The activity's cancellation and the call timeout abort it as they abort a
 * plain call; the stream's own clocks (`StreamWatchdog`) abort it when the first token or the next
 * event is late. Every failure is a classified Breakwater error, or the cancellation reason.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isBreakwaterError, RetryableExternalError } from '../errors';
import type { StreamDelta } from '../llm/stream';
import { classifyHttpStatus, classifyTransportError, malformedBody } from './classify';
import { StreamWatchdog, type StreamTimeouts } from './stream-watchdog';
import type { ProviderCallOptions } from './types';
import { isObject } from './wire-values';

/** Reads one event; returns true when it carried part of the answer (text, a tool call, a refusal). */
export type SseEventHandler = (event: EventSourceMessage) => boolean;

/**
 * Posts `body` and hands every event of the answer to `onEvent`, until the stream ends. What
 * `onEvent` throws (a malformed event) ends the call with that error.
 */
export async function postSse(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  options: ProviderCallOptions & StreamTimeouts,
  onEvent: SseEventHandler,
): Promise<void> {
  const watchdog = new StreamWatchdog(options);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout, watchdog.signal]);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify(body),
      signal,
    });
    if (response.status < 200 || response.status >= 300) {
      throw classifyHttpStatus(response.status, response.headers, await response.text(), options.context);
    }
    const parser = createParser({ onEvent: (event) => watchdog.event(onEvent(event)) });
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) parser.feed(decoder.decode(chunk, { stream: true }));
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (isBreakwaterError(error)) throw error;
    if (watchdog.reason) {
      throw new RetryableExternalError(
        `${options.context.provider ?? 'provider'} stream stalled (${watchdog.reason})`,
        watchdog.reason,
        options.context,
      );
    }
    throw classifyTransportError(error, timeout.aborted, options.context);
  } finally {
    watchdog.stop();
  }
}

/** What reads one API's stream: each event into the deltas it carried, and whether the final event came. */
export interface StreamReader {
  read(event: EventSourceMessage): StreamDelta[];
  readonly complete: boolean;
}

/**
 * Posts `body` as a streamed call and reads its answer with `reader`, handing every delta to
 * `options.stream.onDelta` as it comes. A stream that ends before its final event is a retryable
 * `stream_cut`: a half answer is never returned.
 */
export async function readStream(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  options: ProviderCallOptions,
  reader: StreamReader,
): Promise<void> {
  const { stream } = options;
  const timeouts = {
    firstTokenTimeoutMs: stream?.firstTokenTimeoutMs ?? options.timeoutMs,
    idleTimeoutMs: stream?.idleTimeoutMs ?? options.timeoutMs,
  };
  await postSse(url, headers, body, { ...options, ...timeouts }, (event) => {
    const deltas = reader.read(event);
    for (const delta of deltas) stream?.onDelta?.(delta);
    return deltas.length > 0;
  });
  if (!reader.complete) {
    throw new RetryableExternalError(
      `${options.context.provider ?? 'provider'} stream ended before its final event`,
      'stream_cut',
      options.context,
    );
  }
}

/** The JSON object an event carries; anything else is a malformed (retryable) answer. */
export function eventObject(
  event: EventSourceMessage,
  context: ProviderCallOptions['context'],
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.data) as unknown;
  } catch {
    throw malformedBody(context, 'a stream event is not JSON');
  }
  if (!isObject(parsed)) throw malformedBody(context, 'a stream event is not an object');
  return parsed;
}
