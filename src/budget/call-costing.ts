/** What one call may cost at worst before it is made, and what it cost after: tokens and micro-dollars. */
import { ProviderConfigurationError, type ErrorContext } from '../errors';
import { maxOutputTokens, type LlmRequest } from '../llm/request';
import type { Usage } from '../llm/response';
import { type TaskMeta } from '../task';
import type { PriceBook } from './pricing';
import { countRequestTokens } from './tokenizer';
import type { BudgetClaim, BudgetSettings } from './types';

export interface WorstCase {
  /** The budget claim; undefined when budgets are off. */
  claim?: BudgetClaim;
  /** Prompt tokens (messages, tools and response schema, counted with the tokenizer) plus the maximum output. */
  tokens: number;
}

export class CallCosting {
  constructor(
    private readonly prices: PriceBook,
    private readonly budget: Pick<BudgetSettings, 'enabled'>,
  ) {}

  /**
   * The worst case of `request`. With budgets on, a model without a known price is refused (fail
   * closed) with a `ProviderConfigurationError` that says how to configure one.
   */
  worstCase(request: LlmRequest, meta: TaskMeta, context: Partial<ErrorContext>): WorstCase {
    const { tokens, micros } = this.estimate(request);
    if (!this.budget.enabled) return { tokens };
    if (micros === undefined) {
      throw new ProviderConfigurationError(
        `no price is known for model '${request.model}' of provider '${request.provider}': ` +
          'configure it in MODEL_PRICES, or turn budgets off (BUDGET_ENABLED=false)',
        context,
      );
    }
    const claim: BudgetClaim = { operation: meta.operation, micros, tokens };
    if (meta.runId !== undefined) claim.runId = meta.runId;
    if (meta.turn !== undefined) claim.turn = meta.turn;
    return { claim, tokens };
  }

  /**
   * The most `request` may use: its prompt's tokens (its messages, tool definitions and response
   * schema, counted with the tokenizer) plus its maximum output, and what they cost at its model's
   * price, all input uncached (undefined when no price is known).
   */
  estimate(request: LlmRequest): { tokens: number; micros: number | undefined } {
    const promptTokens = countRequestTokens(request);
    const maxTokens = maxOutputTokens(request);
    const micros = this.prices.costMicros(request.provider, request.model, promptTokens, maxTokens);
    return { tokens: promptTokens + maxTokens, micros };
  }

  /**
   * The actual cost of a call from the usage its provider reported, its cached input at the cached
   * price (the worst case if the model has no price).
   */
  actual(request: LlmRequest, usage: Usage, worst: WorstCase): { micros: number; tokens: number } {
    const micros =
      usageCostMicros(this.prices, request.provider, request.model, usage) ?? worst.claim?.micros ?? 0;
    return { micros, tokens: usage.totalTokens };
  }
}

/** What `usage` cost at `model`'s price, cached input at the cached price; undefined when it has no price. */
export function usageCostMicros(
  prices: PriceBook,
  provider: string,
  model: string,
  usage: Usage,
): number | undefined {
  return prices.costMicros(provider, model, usage.promptTokens, usage.completionTokens, {
    readTokens: usage.cachedPromptTokens ?? 0,
    writeTokens: usage.cacheWritePromptTokens ?? 0,
  });
}
