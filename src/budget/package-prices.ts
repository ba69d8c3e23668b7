/**
 * Prices from the data bundled in `@pydantic/genai-prices` (no network: its auto-update is never
 * enabled), read into one monotonic schedule per model: input, output, and cached input (read from
 * and written to the prompt cache, each at the input price where the package has none, as its
 * `calcPrice` charges them).
 */
import { calcPrice, type ModelPrice as PackagePrices } from '@pydantic/genai-prices';
import { RATE_KINDS, toPico, type PicoRates, type PicoSchedule } from './price-schedule';

/** Conditional prices (time of day, start date) are sampled this often over the next day. */
const SAMPLE_STEP_MS = 15 * 60_000;
const SAMPLE_SPAN_MS = 24 * 3_600_000;

interface TieredValue {
  base: number;
  tiers: readonly { start: number; price: number }[];
}

type SampleValues = Record<keyof PicoRates, TieredValue>;

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

/** One sample's prices of each kind; cached input without a price of its own costs the input price. */
function valuesOf(sample: PackagePrices): SampleValues | undefined {
  if (sample.input_mtok === undefined && sample.output_mtok === undefined) return undefined;
  const input = tiered(sample.input_mtok);
  const output = tiered(sample.output_mtok);
  if (input === undefined || output === undefined) return undefined;
  const cacheRead = sample.cache_read_mtok === undefined ? input : tiered(sample.cache_read_mtok);
  const cacheWrite = sample.cache_write_mtok === undefined ? input : tiered(sample.cache_write_mtok);
  if (cacheRead === undefined || cacheWrite === undefined) return undefined;
  return { input, output, cacheRead, cacheWrite };
}

/**
 * The highest of several package price sets at every input size, as one monotonic schedule:
 * a tier never lowers a price, so that cost never falls as tokens grow.
 */
function maxSchedule(samples: readonly PackagePrices[]): PicoSchedule | undefined {
  const values: SampleValues[] = [];
  for (const sample of samples) {
    const sampleValues = valuesOf(sample);
    if (sampleValues === undefined) return undefined;
    values.push(sampleValues);
  }
  const starts = new Set<number>();
  for (const value of values)
    for (const kind of RATE_KINDS) for (const tier of value[kind].tiers) starts.add(tier.start);
  const highestAt = (inputTokens: number, floor?: PicoRates): PicoRates => {
    const rates = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    for (const kind of RATE_KINDS) {
      rates[kind] = Math.max(
        floor?.[kind] ?? 0,
        ...values.map((value) => toPico(priceAt(value[kind], inputTokens))),
      );
    }
    return rates;
  };
  const base = highestAt(0);
  const tiers: Array<PicoRates & { above: number }> = [];
  let previous = base;
  for (const above of [...starts].sort((a, b) => a - b)) {
    const rates = highestAt(above + 1, previous);
    if (RATE_KINDS.every((kind) => rates[kind] === previous[kind])) continue;
    tiers.push({ above, ...rates });
    previous = rates;
  }
  return { ...base, tiers };
}

const USAGE = { input_tokens: 1, output_tokens: 1 };

/** The schedule of `model` under the package's provider `pricingId`, at `now` and over the next day; undefined when unknown. */
export function packageSchedule(pricingId: string, model: string, now: number): PicoSchedule | undefined {
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
    return maxSchedule(samples);
  } catch {
    // Price data the package cannot evaluate: treated as unknown, so the call is refused.
    return undefined;
  }
}
