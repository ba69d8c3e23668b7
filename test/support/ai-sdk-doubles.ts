/**
 * Stand-ins for the unit tests of the AI SDK guard: a guard that refuses as scripted and records
 * what it settles, and models that answer (or fail) as scripted and record what they were asked.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { Registry } from 'prom-client';
import type { AiSdkGuardDeps } from '../../src/ai-sdk';
import { CallCosting } from '../../src/budget/call-costing';
import { PriceBook } from '../../src/budget/pricing';
import { defaultConfig } from '../../src/config';
import type { BreakwaterError } from '../../src/errors';
import type { Admission, AdmitRequest, Guard, SettleRequest } from '../../src/guard/guard';
import { createLogger } from '../../src/observability/logger';
import { getMetrics } from '../../src/observability/metrics';
import type { ModelLatency } from '../../src/redis/types';

/** A guard that admits unless a refusal is scripted for the provider, and records every call. */
export class ScriptedGuard implements Guard {
  readonly admitted: AdmitRequest[] = [];
  readonly settled: SettleRequest[] = [];
  readonly refusals = new Map<string, BreakwaterError>();
  /** The rolling latency each admission carries (the adaptive timeouts' input). */
  latency: ModelLatency | undefined;

  async admit(request: AdmitRequest): Promise<Admission> {
    const refusal = this.refusals.get(request.provider);
    if (refusal) throw refusal;
    this.admitted.push(request);
    const { provider, operation, attemptId, tokens } = request;
    const leaseEndsAt = Date.now() + request.leaseMs;
    return {
      provider,
      operation,
      attemptId,
      tokens,
      guarded: true,
      reservation: `r:${attemptId}`,
      leaseEndsAt,
      ...(this.latency ? { latency: this.latency } : {}),
    };
  }

  async settle(request: SettleRequest): Promise<void> {
    this.settled.push(request);
  }
}

export const USAGE: LanguageModelV3Usage = {
  inputTokens: { total: 40, noCache: 40, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 8, text: 8, reasoning: undefined },
};

export function generated(text: string): LanguageModelV3GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: USAGE,
    warnings: [],
  };
}

/** A stream of `parts`, in order. */
export function streamOf(parts: LanguageModelV3StreamPart[]): ReadableStream<LanguageModelV3StreamPart> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

/** Every part of `stream`, read to its end (`Array.fromAsync` needs Node 22). */
export async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const reader = stream.getReader();
  const parts: T[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
  return parts;
}

export interface StubModel extends LanguageModelV3 {
  /** The options of every call, in order. */
  calls: LanguageModelV3CallOptions[];
}

/** A model that answers each call with the next of `answers` (a result, or an error to throw). */
export function stubModel(
  modelId: string,
  answers: Array<LanguageModelV3GenerateResult | ReadableStream<LanguageModelV3StreamPart> | Error>,
): StubModel {
  const calls: LanguageModelV3CallOptions[] = [];
  const next = async () => {
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`${modelId}: no answer left`);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return {
    specificationVersion: 'v3',
    provider: 'stub',
    modelId,
    supportedUrls: {},
    calls,
    async doGenerate(options) {
      calls.push(options);
      return (await next()) as LanguageModelV3GenerateResult;
    },
    async doStream(options) {
      calls.push(options);
      return { stream: (await next()) as ReadableStream<LanguageModelV3StreamPart> };
    },
  };
}

/** The guard's other dependencies, with prices for providers `a` and `b` and default policy. */
export function guardDeps(guard: Guard): AiSdkGuardDeps {
  const config = defaultConfig();
  const prices = new PriceBook(
    {
      'a/*': { inputPerMTokUsd: 1, outputPerMTokUsd: 2 },
      'b/*': { inputPerMTokUsd: 3, outputPerMTokUsd: 4 },
    },
    {},
  );
  return {
    guard,
    costing: new CallCosting(prices, { enabled: true }),
    policy: config.policy,
    timeouts: config.timeouts,
    logger: createLogger({ level: 'silent' }),
    metrics: getMetrics(new Registry()),
    random: () => 0.5,
  };
}
