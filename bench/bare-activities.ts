/** The baseline's model call: the provider adapter in a plain activity, with nothing around it. */
import { Context } from '@temporalio/activity';
import type { LlmRequest } from '../src/llm/request';
import type { LlmResponse } from '../src/llm/response';
import type { ProviderAdapter } from '../src/providers/types';

export function createBareActivities(adapter: ProviderAdapter, timeoutMs: number) {
  return {
    bareChat(request: LlmRequest): Promise<LlmResponse> {
      return adapter.chat(request, { signal: Context.current().cancellationSignal, timeoutMs, context: {} });
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
