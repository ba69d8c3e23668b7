/**
 * The fault plan of the fake provider: which call gets which fault. Pure, with an injected
 * clock and random source, so tests and demos are reproducible.
 */

export type Fault =
  /**
   * Answer with this status (and `Retry-After` when given) and a provider-style error body, whose
   * message quotes the last user message with `echo`.
   */
  | { kind: 'status'; status: number; retryAfterSec?: number; code?: string; echo?: boolean }
  /** Answer normally, after this delay. */
  | { kind: 'latency'; latencyMs: number }
  /** Never answer; the connection stays open until the client gives up. */
  | { kind: 'hang' }
  /** Answer 200 with a body that is not valid JSON. */
  | { kind: 'malformed' }
  /** Destroy the connection without an answer. */
  | { kind: 'reset' }
  /** Answer 200, stopped by the content filter (OpenAI `finish_reason: content_filter`; Anthropic `refusal`). */
  | { kind: 'content_filter' }
  /** Answer 200 with a refusal (OpenAI `message.refusal`, content null; Anthropic `stop_reason: refusal`). */
  | { kind: 'refusal' }
  /** A streamed answer: destroy the connection after this many events (a non-streamed one: reset). */
  | { kind: 'stream_cut'; afterEvents: number }
  /** A streamed answer: send the headers, then nothing until the client gives up (a non-streamed one: hang). */
  | { kind: 'stream_stall' };

export interface FaultRule {
  fault: Fault;
  /** Apply to this many matching calls, then drop the rule (default: unlimited). */
  times?: number;
  /** Apply to each matching call with this probability (default 1). */
  probability?: number;
  /** Active from this time (epoch ms, default now) until that time (exclusive, default forever). */
  from?: number;
  until?: number;
  /** Only calls whose last user message contains this marker. */
  contentIncludes?: string;
}

export interface CallFacts {
  lastUserMessage: string;
}

/** A seeded PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Validates a rule coming from a test, a demo or the admin HTTP API; throws a message that names the field. */
export function validateFaultRule(rule: FaultRule): FaultRule {
  const fault = rule?.fault;
  if (!fault || typeof fault !== 'object') throw new RangeError('fault: required');
  switch (fault.kind) {
    case 'status':
      if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
        throw new RangeError('fault.status: must be an HTTP status between 100 and 599');
      }
      if (fault.echo !== undefined && typeof fault.echo !== 'boolean') {
        throw new RangeError('fault.echo: must be true or false');
      }
      break;
    case 'latency':
      if (!(fault.latencyMs >= 0)) throw new RangeError('fault.latencyMs: must be >= 0');
      break;
    case 'stream_cut':
      if (!(Number.isInteger(fault.afterEvents) && fault.afterEvents >= 0)) {
        throw new RangeError('fault.afterEvents: must be a whole number >= 0');
      }
      break;
    case 'hang':
    case 'malformed':
    case 'reset':
    case 'content_filter':
    case 'refusal':
    case 'stream_stall':
      break;
    default:
      throw new RangeError(
        'fault.kind: must be status, latency, hang, malformed, reset, content_filter, refusal, stream_cut or stream_stall',
      );
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) {
    throw new RangeError('times: must be a positive integer');
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new RangeError('probability: must be between 0 and 1');
  }
  for (const key of ['from', 'until'] as const) {
    if (rule[key] !== undefined && !Number.isFinite(rule[key])) {
      throw new RangeError(`${key}: must be a time in epoch milliseconds`);
    }
  }
  if (rule.contentIncludes !== undefined && typeof rule.contentIncludes !== 'string') {
    throw new RangeError('contentIncludes: must be a string');
  }
  return rule;
}

export class FaultPlan {
  private rules: Array<FaultRule & { remaining?: number }> = [];

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  add(rule: FaultRule): void {
    validateFaultRule(rule);
    this.rules.push({ ...rule, remaining: rule.times });
  }

  /** A 503 (or the given fault) for every call during the next `durationMs`. */
  outage(durationMs: number, fault: Fault = { kind: 'status', status: 503 }): void {
    const now = this.clock();
    this.add({ fault, from: now, until: now + durationMs });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for the next call, if any; consumes one use of a counted rule. */
  next(call: CallFacts): Fault | undefined {
    const now = this.clock();
    this.rules = this.rules.filter((rule) => rule.until === undefined || rule.until > now);
    for (const rule of this.rules) {
      if (rule.from !== undefined && now < rule.from) continue;
      if (rule.contentIncludes !== undefined && !call.lastUserMessage.includes(rule.contentIncludes))
        continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.remaining !== undefined) {
        rule.remaining -= 1;
        if (rule.remaining === 0) this.rules.splice(this.rules.indexOf(rule), 1);
      }
      return rule.fault;
    }
    return undefined;
  }
}
