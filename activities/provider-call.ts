/**
 * The provider call of one attempt: heartbeats while it runs, and, for a streamed request, the
 * stream's clocks and its deltas delivered live (each one also a heartbeat).
 */
import type { Context } from '@temporalio/activity';
import type { DeltaWriter } from '../src/deltas/delta-writer';
import type { ErrorContext } from '../src/errors';
import type { LlmRequest } from '../src/llm/request';
import type { LlmResponse } from '../src/llm/response';
import type { ProviderAdapter } from '../src/providers/types';
import type { TaskPolicy } from '../src/task';

export interface ProviderCall {
  ctx: Context;
  attempt: number;
  request: LlmRequest;
  policy: TaskPolicy;
  /** This call's timeouts (adaptive, or the policy's fixed ones): the whole call's, and a stream's first token's. */
  timeouts: { callTimeoutMs: number; firstTokenTimeoutMs: number };
  context: Partial<ErrorContext>;
  /** Where a streamed answer's deltas go; undefined for a request that does not stream. */
  deltas?: DeltaWriter;
}

export interface ProviderAnswer {
  response: LlmResponse;
  /** A stream's time to its first delta, in ms from the start of the call. */
  firstTokenMs?: number;
}

export async function callProvider(adapter: ProviderAdapter, call: ProviderCall): Promise<ProviderAnswer> {
  const { ctx, attempt, policy, deltas, timeouts } = call;
  const heartbeat = setInterval(
    () => ctx.heartbeat({ attempt }),
    Math.max(50, policy.heartbeatTimeoutMs / 3),
  );
  let firstTokenMs: number | undefined;
  try {
    await deltas?.start();
    const startedAt = performance.now();
    const response = await adapter.chat(call.request, {
      signal: ctx.cancellationSignal,
      timeoutMs: timeouts.callTimeoutMs,
      context: call.context,
      ...(deltas
        ? {
            stream: {
              firstTokenTimeoutMs: timeouts.firstTokenTimeoutMs,
              idleTimeoutMs: policy.streamIdleTimeoutMs,
              onDelta: (delta) => {
                firstTokenMs ??= performance.now() - startedAt;
                ctx.heartbeat({ attempt });
                deltas.delta(delta);
              },
            },
          }
        : {}),
    });
    await deltas?.end();
    return firstTokenMs === undefined ? { response } : { response, firstTokenMs };
  } finally {
    clearInterval(heartbeat);
  }
}
