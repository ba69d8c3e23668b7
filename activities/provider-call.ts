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
  context: Partial<ErrorContext>;
  /** Where a streamed answer's deltas go; undefined for a request that does not stream. */
  deltas?: DeltaWriter;
}

export async function callProvider(adapter: ProviderAdapter, call: ProviderCall): Promise<LlmResponse> {
  const { ctx, attempt, policy, deltas } = call;
  const heartbeat = setInterval(
    () => ctx.heartbeat({ attempt }),
    Math.max(50, policy.heartbeatTimeoutMs / 3),
  );
  try {
    await deltas?.start();
    const response = await adapter.chat(call.request, {
      signal: ctx.cancellationSignal,
      timeoutMs: policy.callTimeoutMs,
      context: call.context,
      ...(deltas
        ? {
            stream: {
              firstTokenTimeoutMs: policy.firstTokenTimeoutMs,
              idleTimeoutMs: policy.streamIdleTimeoutMs,
              onDelta: (delta) => {
                ctx.heartbeat({ attempt });
                deltas.delta(delta);
              },
            },
          }
        : {}),
    });
    await deltas?.end();
    return response;
  } finally {
    clearInterval(heartbeat);
  }
}
