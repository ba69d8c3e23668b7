/**
 * A streamed model answer that settles its guard admission once it ends: with the usage of its
 * `finish` part, or as a failure when it carried an error, broke off or was cancelled.
 */
import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';

/** How the stream's parts and its end are told to the guarded call. */
export interface StreamSettlement {
  /** A part arrived; `token`: it carried some of the answer (the first one is the time to first token). */
  streamed(token: boolean): void;
  succeeded(usage: LanguageModelV3Usage): Promise<void>;
  /** Settles a failure: an error part or the stream's error, or (`cancelled`) the reader's cancel. */
  settleFailure(error: unknown, cancelled?: boolean): Promise<unknown>;
  end(): void;
}

/** The parts that carry some of the answer: text, reasoning or a tool call. */
const ANSWER_PARTS: ReadonlySet<LanguageModelV3StreamPart['type']> = new Set([
  'text-delta',
  'reasoning-delta',
  'tool-input-delta',
  'tool-call',
]);

/** `source`, passed through part by part, settling `settlement` exactly once when it ends. */
export function settlingStream(
  source: ReadableStream<LanguageModelV3StreamPart>,
  settlement: StreamSettlement,
): ReadableStream<LanguageModelV3StreamPart> {
  const reader = source.getReader();
  let usage: LanguageModelV3Usage | undefined;
  let errorPart: unknown;
  let settled = false;
  const settle = async (error: unknown, cancelled = false) => {
    if (settled) return;
    settled = true;
    try {
      if (error === undefined && usage !== undefined) {
        await settlement.succeeded(usage);
      } else {
        const failure = error ?? new Error('model stream ended without a finish part');
        await settlement.settleFailure(failure, cancelled);
      }
    } finally {
      settlement.end();
    }
  };
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      // A read that fails errors the stream with its error, once settled.
      const next = await reader.read().catch(async (error: unknown) => {
        await settle(error);
        throw error;
      });
      if (next.done) {
        await settle(errorPart);
        controller.close();
        return;
      }
      const part = next.value;
      settlement.streamed(ANSWER_PARTS.has(part.type));
      if (part.type === 'finish') usage = part.usage;
      if (part.type === 'error') errorPart ??= part.error;
      controller.enqueue(part);
    },
    async cancel(reason) {
      await settle(reason ?? new Error('model stream cancelled'), true);
      await reader.cancel(reason);
    },
  });
}
