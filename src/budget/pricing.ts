/**
 * Prices of LLM calls per provider and model, in USD per million tokens: configured overrides
 * first, then the price data bundled in `@pydantic/genai-prices` (`package-prices.ts`). Costs are
 * integer micro-dollars, rounded up so that a reservation never under-counts (`price-schedule.ts`).
 * Input tokens read from or written to the provider's prompt cache are priced as such where the
 * price has a cached price, else at the input price.
 */
import { packageSchedule } from './package-prices';
import {
  modelPriceOf,
  scheduleCostMicros,
  toPico,
  type CacheTokens,
  type ModelPrice,
  type PicoSchedule,
} from './price-schedule';
import type { ConfiguredPrice } from './types';

export type { CacheTokens, ModelPrice, PriceTier } from './price-schedule';

interface Resolved {
  price: ModelPrice;
  schedule: PicoSchedule;
}

interface CacheEntry {
  resolved: Resolved | undefined;
  expiresAt: number;
}

/** Package prices are looked up again after this long, so a long-lived worker sees scheduled changes. */
const CACHE_TTL_MS = 3_600_000;
/** Distinct provider/model pairs kept; model names come from requests, so the cache is bounded. */
const CACHE_MAX_ENTRIES = 1000;

function resolveConfigured(key: string, configured: ConfiguredPrice): Resolved {
  for (const [field, amount] of Object.entries(configured)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new RangeError(`price '${key}': ${field} must be a finite number >= 0 (got ${String(amount)})`);
    }
  }
  const input = toPico(configured.inputPerMTokUsd);
  const schedule: PicoSchedule = {
    input,
    output: toPico(configured.outputPerMTokUsd),
    cacheRead:
      configured.cachedInputPerMTokUsd === undefined ? input : toPico(configured.cachedInputPerMTokUsd),
    cacheWrite:
      configured.cacheWritePerMTokUsd === undefined ? input : toPico(configured.cacheWritePerMTokUsd),
    tiers: [],
  };
  return { price: modelPriceOf(schedule, 'config'), schedule };
}

function assertTokens(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer (got ${value})`);
  }
}

/** Options of a `PriceBook`. */
export interface PriceBookOptions {
  /** The clock, in epoch ms (default `Date.now`): it picks time-dependent package prices. */
  now?: () => number;
}

/**
 * Prices per provider and model. Lookup order: the configured `provider/model`, then the configured
 * bare `model`, then the configured `provider/*` (every model of a provider, e.g. a self-hosted
 * server), then genai-prices under the provider's mapped pricing id. A model none of them
 * knows has no price: the caller refuses it (fail closed).
 *
 * Package prices are cached per provider and model for an hour. Where the package's price depends
 * on the time of day or changes on a date, the price is the highest it takes over the next 24 hours
 * (sampled every 15 minutes), so a reservation made now is not short when the call ends later.
 */
export class PriceBook {
  private readonly overrides: ReadonlyMap<string, Resolved>;
  private readonly pricingIds: ReadonlyMap<string, string>;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;

  /**
   * @param overrides - Configured prices by `provider/model` or bare `model` (see `MODEL_PRICES`).
   *   A bare key that contains a slash also matches that whole model name under any provider.
   * @param pricingProviderIds - The genai-prices provider id (`openai`, `anthropic`, `google`, …)
   *   of each configured provider name. A provider not listed has no package prices.
   * @throws RangeError when a configured price is not a finite number ≥ 0.
   */
  constructor(
    overrides: Record<string, ConfiguredPrice>,
    pricingProviderIds: Record<string, string>,
    options: PriceBookOptions = {},
  ) {
    this.overrides = new Map(
      Object.entries(overrides).map(([key, price]) => [key, resolveConfigured(key, price)]),
    );
    this.pricingIds = new Map(Object.entries(pricingProviderIds));
    this.now = options.now ?? Date.now;
  }

  /** The price book of a configuration: its `MODEL_PRICES`, and each provider's pricing id. */
  static fromConfig(
    modelPrices: Record<string, ConfiguredPrice>,
    providers: ReadonlyArray<{ name: string; pricingProvider: string }>,
  ): PriceBook {
    return new PriceBook(
      modelPrices,
      Object.fromEntries(providers.map((provider) => [provider.name, provider.pricingProvider])),
    );
  }

  /** The price of `model` at `provider`, or undefined when it is unknown. */
  price(provider: string, model: string): ModelPrice | undefined {
    return this.resolve(provider, model)?.price;
  }

  /**
   * What a call costs, in integer micro-dollars (1 USD = 1,000,000), rounded up; undefined when the
   * model has no price. Computed from the per-token prices (the long-context tier is chosen by
   * `inputTokens`, as genai-prices does), so it never decreases as any count grows. `cache` gives
   * the input tokens (counted in `inputTokens`) read from and written to the provider's prompt cache.
   *
   * @throws RangeError when a token count is not a non-negative integer.
   */
  costMicros(
    provider: string,
    model: string,
    inputTokens: number,
    outputTokens: number,
    cache: CacheTokens = {},
  ): number | undefined {
    assertTokens('inputTokens', inputTokens);
    assertTokens('outputTokens', outputTokens);
    assertTokens('cache.readTokens', cache.readTokens ?? 0);
    assertTokens('cache.writeTokens', cache.writeTokens ?? 0);
    const resolved = this.resolve(provider, model);
    return resolved && scheduleCostMicros(resolved.schedule, inputTokens, outputTokens, cache);
  }

  private resolve(provider: string, model: string): Resolved | undefined {
    const configured =
      this.overrides.get(`${provider}/${model}`) ??
      this.overrides.get(model) ??
      this.overrides.get(`${provider}/*`);
    if (configured !== undefined) return configured;
    const pricingId = this.pricingIds.get(provider);
    if (pricingId === undefined) return undefined;
    const key = `${pricingId}\n${model}`;
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached !== undefined && cached.expiresAt > now) return cached.resolved;
    const schedule = packageSchedule(pricingId, model, now);
    const resolved = schedule && { price: modelPriceOf(schedule, 'genai-prices'), schedule };
    this.cache.delete(key);
    if (this.cache.size >= CACHE_MAX_ENTRIES) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { resolved, expiresAt: now + CACHE_TTL_MS });
    return resolved;
  }
}
