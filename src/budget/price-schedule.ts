/**
 * A model's prices in the form costs are computed in: integer pico-dollars (1e-12 USD) per token,
 * for each kind of token, with long-context tiers. A USD price per million tokens is a micro-dollar
 * price per token, so a cost is an exact integer sum, the same on every worker, rounded up once to
 * the micro-dollar.
 */

/** Prices that replace a model's base prices when a call's input exceeds a size (long context). */
export interface PriceTier {
  /** The tier applies to calls with more input tokens than this. */
  aboveInputTokens: number;
  /** USD per million input tokens, for the whole input of such a call. */
  inputPerMTokUsd: number;
  /** USD per million output tokens, for the whole output of such a call. */
  outputPerMTokUsd: number;
  /** USD per million input tokens read from the prompt cache. */
  cachedInputPerMTokUsd: number;
  /** USD per million input tokens written to the prompt cache. */
  cacheWritePerMTokUsd: number;
}

/** The price of one model. */
export interface ModelPrice {
  /** USD per million input (prompt) tokens. */
  inputPerMTokUsd: number;
  /** USD per million output (completion) tokens. */
  outputPerMTokUsd: number;
  /** USD per million input tokens read from the provider's prompt cache (the input price where none is known). */
  cachedInputPerMTokUsd: number;
  /** USD per million input tokens written to the provider's prompt cache (the input price where none is known). */
  cacheWritePerMTokUsd: number;
  /** Where the price comes from: `MODEL_PRICES`, or the data bundled in `@pydantic/genai-prices`. */
  source: 'config' | 'genai-prices';
  /**
   * Long-context tiers from genai-prices (for example above 200,000 input tokens), ascending,
   * each at least as dear as the one before. Absent when the price is flat.
   */
  tiers?: readonly PriceTier[];
}

/** Pico-dollars per token of each kind of token. */
export interface PicoRates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export const RATE_KINDS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const satisfies ReadonlyArray<
  keyof PicoRates
>;

export interface PicoSchedule extends PicoRates {
  /** Ascending by `above`, each at least the previous rates. */
  tiers: ReadonlyArray<PicoRates & { above: number }>;
}

/** Input tokens of a call served from, or written to, the provider's prompt cache. */
export interface CacheTokens {
  readTokens?: number;
  writeTokens?: number;
}

/** USD per million tokens → pico-dollars per token, rounded up past float noise. */
export function toPico(usdPerMTok: number): number {
  const scaled = usdPerMTok * 1e6;
  const nearest = Math.round(scaled);
  return Math.abs(scaled - nearest) < 1e-6 ? nearest : Math.ceil(scaled);
}

function fromPico(pico: number): number {
  return pico / 1e6;
}

function usdRates(rates: PicoRates) {
  return {
    inputPerMTokUsd: fromPico(rates.input),
    outputPerMTokUsd: fromPico(rates.output),
    cachedInputPerMTokUsd: fromPico(rates.cacheRead),
    cacheWritePerMTokUsd: fromPico(rates.cacheWrite),
  };
}

/** The schedule as a read-only `ModelPrice` (shared by every caller through the price cache). */
export function modelPriceOf(schedule: PicoSchedule, source: ModelPrice['source']): ModelPrice {
  const price: ModelPrice = { ...usdRates(schedule), source };
  if (schedule.tiers.length > 0) {
    price.tiers = Object.freeze(
      schedule.tiers.map((tier) => Object.freeze({ aboveInputTokens: tier.above, ...usdRates(tier) })),
    );
  }
  return Object.freeze(price);
}

/** Ceiling of `pico / 1e6` for a non-negative integer, exactly. */
function picoToMicrosCeil(pico: number): number {
  if (!Number.isSafeInteger(pico)) return Math.ceil(pico / 1e6);
  let micros = Math.floor(pico / 1e6);
  if (micros * 1e6 > pico) micros -= 1;
  return micros * 1e6 < pico ? micros + 1 : micros;
}

/**
 * What a call costs under `schedule`, in micro-dollars rounded up. The cache counts are part of
 * `inputTokens` (as `Usage.promptTokens` counts them); the tier is chosen by `inputTokens`, as
 * genai-prices does. Counts whose cache part exceeds `inputTokens` are read as counting the cache
 * apart (as Anthropic's API reports it), so that a call is never charged less than it used.
 */
export function scheduleCostMicros(
  schedule: PicoSchedule,
  inputTokens: number,
  outputTokens: number,
  { readTokens = 0, writeTokens = 0 }: CacheTokens,
): number {
  const cached = readTokens + writeTokens;
  const uncached = cached <= inputTokens ? inputTokens - cached : inputTokens;
  const totalInput = uncached + cached;
  let rates: PicoRates = schedule;
  for (const tier of schedule.tiers) {
    if (totalInput <= tier.above) break;
    rates = tier;
  }
  return picoToMicrosCeil(
    uncached * rates.input +
      readTokens * rates.cacheRead +
      writeTokens * rates.cacheWrite +
      outputTokens * rates.output,
  );
}
