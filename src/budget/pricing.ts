/**
 * Prices of LLM calls per provider and model, in USD per million tokens: configured overrides
 * first, then the price data bundled in `@pydantic/genai-prices` (no network: its auto-update is
 * never enabled). Costs are integer micro-dollars, rounded up so that a reservation never
 * under-counts.
 *
 * A USD price per million tokens is also a micro-dollar price per token, which is how costs are
 * computed: in integers of 1e-12 USD per token (a price with a finer fraction is rounded up to it),
 * so that a cost is exact and the same on every worker.
 */
import { calcPrice, type ModelPrice as PackagePrices } from '@pydantic/genai-prices';
import type { ConfiguredPrice } from './types';

/** Prices that replace a model's base prices when a call's input exceeds a size (long context). */
export interface PriceTier {
  /** The tier applies to calls with more input tokens than this. */
  aboveInputTokens: number;
  /** USD per million input tokens, for the whole input of such a call. */
  inputPerMTokUsd: number;
  /** USD per million output tokens, for the whole output of such a call. */
  outputPerMTokUsd: number;
}

/** The price of one model. */
export interface ModelPrice {
  /** USD per million input (prompt) tokens. */
  inputPerMTokUsd: number;
  /** USD per million output (completion) tokens. */
  outputPerMTokUsd: number;
  /** Where the price comes from: `MODEL_PRICES`, or the data bundled in `@pydantic/genai-prices`. */
  source: 'config' | 'genai-prices';
  /**
   * Long-context tiers from genai-prices (for example above 200,000 input tokens), ascending,
   * each at least as dear as the one before. Absent when the price is flat.
   */
  tiers?: readonly PriceTier[];
}

/** Integer prices in 1e-12 USD (pico-dollars) per token, the form costs are computed in. */
interface PicoSchedule {
  input: number;
  output: number;
  /** Ascending by `above`, each at least the previous prices. */
  tiers: readonly { above: number; input: number; output: number }[];
}

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
/** Conditional prices (time of day, start date) are sampled this often over the next day. */
const SAMPLE_STEP_MS = 15 * 60_000;
const SAMPLE_SPAN_MS = 24 * 3_600_000;

/** USD per million tokens → pico-dollars per token, rounded up past float noise. */
function toPico(usdPerMTok: number): number {
  const scaled = usdPerMTok * 1e6;
  const nearest = Math.round(scaled);
  return Math.abs(scaled - nearest) < 1e-6 ? nearest : Math.ceil(scaled);
}

function fromPico(pico: number): number {
  return pico / 1e6;
}

interface TieredValue {
  base: number;
  tiers: readonly { start: number; price: number }[];
}

function tiered(value: PackagePrices[string]): TieredValue | undefined {
  if (value === undefined) return { base: 0, tiers: [] };
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? { base: value, tiers: [] } : undefined;
  return { base: value.base, tiers: value.tiers };
}

/** The price of a tiered value for a call with `inputTokens` input tokens, as genai-prices applies it. */
function priceAt(value: TieredValue, inputTokens: number): number {
  let price = value.base;
  for (const tier of value.tiers) if (inputTokens > tier.start) price = tier.price;
  return price;
}

/**
 * The highest of several package price sets at every input size, as one monotonic schedule:
 * a tier never lowers a price, so that cost never falls as tokens grow.
 */
function maxSchedule(samples: readonly PackagePrices[]): PicoSchedule | undefined {
  const values: { input: TieredValue; output: TieredValue }[] = [];
  for (const sample of samples) {
    if (sample.input_mtok === undefined && sample.output_mtok === undefined) return undefined;
    const input = tiered(sample.input_mtok);
    const output = tiered(sample.output_mtok);
    if (input === undefined || output === undefined) return undefined;
    values.push({ input, output });
  }
  const starts = new Set<number>();
  for (const { input, output } of values)
    for (const tier of [...input.tiers, ...output.tiers]) starts.add(tier.start);
  const highest = (inputTokens: number, side: 'input' | 'output') =>
    Math.max(...values.map((value) => toPico(priceAt(value[side], inputTokens))));
  const base = { input: highest(0, 'input'), output: highest(0, 'output') };
  const tiers: { above: number; input: number; output: number }[] = [];
  let previous = base;
  for (const above of [...starts].sort((a, b) => a - b)) {
    const input = Math.max(previous.input, highest(above + 1, 'input'));
    const output = Math.max(previous.output, highest(above + 1, 'output'));
    if (input === previous.input && output === previous.output) continue;
    tiers.push({ above, input, output });
    previous = { input, output };
  }
  return { ...base, tiers };
}

function fromSchedule(schedule: PicoSchedule, source: ModelPrice['source']): ModelPrice {
  const price: ModelPrice = {
    inputPerMTokUsd: fromPico(schedule.input),
    outputPerMTokUsd: fromPico(schedule.output),
    source,
  };
  if (schedule.tiers.length > 0) {
    price.tiers = Object.freeze(
      schedule.tiers.map((tier) =>
        Object.freeze({
          aboveInputTokens: tier.above,
          inputPerMTokUsd: fromPico(tier.input),
          outputPerMTokUsd: fromPico(tier.output),
        }),
      ),
    );
  }
  // Shared by every caller through the cache: read-only.
  return Object.freeze(price);
}

function resolveConfigured(key: string, configured: ConfiguredPrice): Resolved {
  for (const [field, amount] of Object.entries(configured)) {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new RangeError(`price '${key}': ${field} must be a finite number >= 0 (got ${String(amount)})`);
    }
  }
  const schedule = {
    input: toPico(configured.inputPerMTokUsd),
    output: toPico(configured.outputPerMTokUsd),
    tiers: [],
  };
  return { price: fromSchedule(schedule, 'config'), schedule };
}

/** Ceiling of `pico / 1e6` for a non-negative integer, exactly. */
function picoToMicrosCeil(pico: number): number {
  if (!Number.isSafeInteger(pico)) return Math.ceil(pico / 1e6);
  let micros = Math.floor(pico / 1e6);
  if (micros * 1e6 > pico) micros -= 1;
  return micros * 1e6 < pico ? micros + 1 : micros;
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
   * `inputTokens`, as genai-prices does), so it never decreases as either count grows.
   *
   * @throws RangeError when a token count is not a non-negative integer.
   */
  costMicros(provider: string, model: string, inputTokens: number, outputTokens: number): number | undefined {
    assertTokens('inputTokens', inputTokens);
    assertTokens('outputTokens', outputTokens);
    const resolved = this.resolve(provider, model);
    if (resolved === undefined) return undefined;
    let { input, output } = resolved.schedule;
    for (const tier of resolved.schedule.tiers) {
      if (inputTokens <= tier.above) break;
      ({ input, output } = tier);
    }
    return picoToMicrosCeil(inputTokens * input + outputTokens * output);
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
    const resolved = lookUpPackage(pricingId, model, now);
    this.cache.delete(key);
    if (this.cache.size >= CACHE_MAX_ENTRIES) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { resolved, expiresAt: now + CACHE_TTL_MS });
    return resolved;
  }
}

const USAGE = { input_tokens: 1, output_tokens: 1 };

function lookUpPackage(pricingId: string, model: string, now: number): Resolved | undefined {
  try {
    const current = calcPrice(USAGE, model, { providerId: pricingId, timestamp: new Date(now) });
    if (current === null) return undefined;
    const samples = [current.model_price];
    if (Array.isArray(current.model.prices)) {
      for (let at = now + SAMPLE_STEP_MS; at <= now + SAMPLE_SPAN_MS; at += SAMPLE_STEP_MS) {
        const later = calcPrice(USAGE, model, { providerId: pricingId, timestamp: new Date(at) });
        if (later !== null) samples.push(later.model_price);
      }
    }
    const schedule = maxSchedule(samples);
    return schedule === undefined ? undefined : { price: fromSchedule(schedule, 'genai-prices'), schedule };
  } catch {
    // Price data the package cannot evaluate: treated as unknown, so the call is refused.
    return undefined;
  }
}
