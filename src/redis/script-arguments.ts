/**
 * The arguments of the guard's scripts, as `lua/` reads them. Admit and settle run on every LLM
 * call, so they take one short text argument; the worker's settings (breaker, rate limits, budget
 * ceilings) are packed once, named by a fingerprint, and shipped only when Redis does not know them
 * yet (see `settingsNamed` in `lua/_common.lua`).
 */
import { createHash } from 'node:crypto';
import type { BreakerOutcome, BreakerSettings } from '../breaker/types';
import type { BudgetCeilings, BudgetClaim } from '../budget/types';
import type { RateLimit } from '../ratelimit/types';

export interface AdmitCall {
  provider: string;
  attemptId: string;
  leaseMs: number;
  breaker: BreakerSettings;
  rate?: RateLimit;
  /** The call's worst-case tokens, for tokens-per-minute limits. */
  tokens?: number;
  /** The call's operation and its own rate limit (a tool's), when it has one. */
  operation?: string;
  operationRate?: RateLimit;
  claim?: BudgetClaim;
  ceilings?: BudgetCeilings;
  random: number;
  /** The task this call is for: it leaves the waiting tasks, or enters the blocked ones when refused with a wait. */
  task?: { taskQueue: string; workflowId: string };
  /** The model whose rolling latency an admitted call gets back (for its adaptive timeout). */
  model?: string;
  /** Tests only: a clock instead of Redis time. */
  clock?: number;
}

/** A successful call's latency samples, for its model's rolling latency (see `lua/_latency.lua`). */
export interface LatencySample {
  model: string;
  /** The whole call, in ms. */
  totalMs: number;
  /** A stream's time to its first token, in ms. */
  firstTokenMs?: number;
}

export interface SettleCall {
  provider: string;
  attemptId: string;
  /** The breaker outcome; undefined settles the budget only (usage recorded outside a call). */
  outcome?: BreakerOutcome;
  workerId: string;
  /** Needed with an `outcome`. */
  breaker?: BreakerSettings;
  rate?: RateLimit;
  /** Rate-limit tokens taken at admission and not used. */
  unusedTokens?: number;
  /** The call's operation and its own rate limit, when it has one (its unused tokens go back too). */
  operation?: string;
  operationRate?: RateLimit;
  /** The reservation member `admit` returned, or a charge descriptor (see `usageCharge`). */
  reservation?: string;
  actualMicros?: number;
  actualTokens?: number;
  /** The tool calls the call's answer asked for: added to its turn's call count. */
  actualToolCalls?: number;
  budgetTtlMs?: number;
  /** The default budget ceilings: a charge crossing 90 % of one raises an alert. */
  ceilings?: BudgetCeilings;
  /** Recorded with a settled breaker outcome (send it with `success` only). */
  latency?: LatencySample;
  /** The call was slower than `LLM_SLOW_CALL_MS` (for the breaker's slow-call rate). */
  slow?: boolean;
  clock?: number;
}

/** Settings packed for the scripts, with a short key naming their content (for `guardSettings`). */
interface Packed {
  bytes: Buffer;
  key: string;
}

const keysByContent = new Map<string, string>();

function packed(bytes: Buffer): Packed {
  const content = bytes.toString('latin1');
  let key = keysByContent.get(content);
  if (key === undefined) {
    key = String(keysByContent.size);
    keysByContent.set(content, key);
  }
  return { bytes, key };
}

/** Packs `value` once per settings object: admission runs on every LLM call. */
function memoized<T extends object>(pack: (value: T) => Buffer): (value: T) => Packed {
  const cache = new WeakMap<T, Packed>();
  return (value) => {
    let result = cache.get(value);
    if (result === undefined) {
      result = packed(pack(value));
      cache.set(value, result);
    }
    return result;
  };
}

/** Little-endian doubles, as the scripts read them with `struct.unpack('<d…')`. */
function doubles(values: readonly number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 8);
  values.forEach((value, index) => buffer.writeDoubleLE(value, index * 8));
  return buffer;
}

/** Zero-terminated text fields (the scripts read them with `struct.unpack('s…')`; ids never hold a NUL). */
function fields(values: ReadonlyArray<string | number>): string {
  return `${values.join('\0')}\0`;
}

const packBreaker = memoized((s: BreakerSettings) =>
  doubles([
    s.mode === 'rate' ? 1 : 0,
    s.failureThreshold,
    s.resetMs,
    s.halfOpenProbes,
    s.halfOpenProbability,
    s.successThreshold,
    s.halfOpenRetryMs,
    s.windowMs,
    s.failureRate,
    s.minimumVolume,
    s.minDistinctWorkers,
    s.slowCallRate,
  ]),
);

/** The breaker settings as the scripts take them: 12 doubles (see `lua/_breaker.lua`). */
export function packBreakerSettings(settings: BreakerSettings): Buffer {
  return packBreaker(settings).bytes;
}

const NO_BREAKER = packed(doubles(new Array<number>(12).fill(0)));

const NO_RATE = packed(doubles([0, 0, 1, 1]));

const packRateLimit = memoized((rate: RateLimit) =>
  doubles([
    Math.max(0, rate.rpm),
    Math.max(0, rate.tpm),
    Math.max(1, rate.burst),
    Math.max(1, rate.tokenBurst),
  ]),
);

function packRate(rate: RateLimit | undefined): Packed {
  return rate ? packRateLimit(rate) : NO_RATE;
}

const NO_CEILINGS = packed(doubles([0, 0, 0, 0, 0]));

const packCeilingValues = memoized((c: BudgetCeilings) =>
  doubles([c.runMicros, c.operationMicros, c.dailyMicros, c.turnTokens, c.turnToolCalls]),
);

/** Default budget ceilings as the scripts take them: 5 doubles (see `lua/_budget.lua`). */
export function packCeilings(c: BudgetCeilings | undefined): Buffer {
  return (c ? packCeilingValues(c) : NO_CEILINGS).bytes;
}

/** A worker's guard settings for one call: packed (see `lua/_settings.lua`) and named by a fingerprint. */
export interface GuardSettings {
  id: string;
  packed: Buffer;
}

const knownSettings = new Map<string, GuardSettings>();

function guardSettings(
  breaker: BreakerSettings | undefined,
  rate: RateLimit | undefined,
  operationRate: RateLimit | undefined,
  ceilings: BudgetCeilings | undefined,
): GuardSettings {
  const parts = [
    breaker ? packBreaker(breaker) : NO_BREAKER,
    packRate(rate),
    packRate(operationRate),
    ceilings ? packCeilingValues(ceilings) : NO_CEILINGS,
  ];
  const key = `${parts[0]!.key},${parts[1]!.key},${parts[2]!.key},${parts[3]!.key}`;
  let settings = knownSettings.get(key);
  if (settings === undefined) {
    const bytes = Buffer.concat(parts.map((part) => part.bytes));
    settings = { id: createHash('sha1').update(bytes).digest('hex').slice(0, 20), packed: bytes };
    knownSettings.set(key, settings);
  }
  return settings;
}

/** A script call's text argument, and the settings it names (sent only if Redis does not know them). */
export interface EncodedCall {
  text: string;
  settings: GuardSettings;
}

/** The admit script's arguments (layout in `lua/admit-1.lua`). */
export function encodeAdmit(call: AdmitCall): EncodedCall {
  const claim = call.claim;
  const settings = guardSettings(call.breaker, call.rate, call.operationRate, call.ceilings);
  const text = fields([
    settings.id,
    call.leaseMs,
    call.random,
    call.clock ?? -1,
    Math.max(0, Math.round(call.tokens ?? claim?.tokens ?? 0)),
    claim ? 1 : 0,
    claim?.micros ?? 0,
    claim?.tokens ?? 0,
    call.attemptId,
    call.provider,
    call.operationRate ? (call.operation ?? '') : '',
    claim?.runId ?? '',
    claim?.turn ?? '',
    claim?.operation ?? '',
    call.task?.taskQueue ?? '',
    call.task?.workflowId ?? '',
    call.model ?? '',
  ]);
  return { text, settings };
}

/** The settle script's arguments (layout in `lua/settle-1.lua`). */
export function encodeSettle(call: SettleCall): EncodedCall {
  const settings = guardSettings(call.breaker, call.rate, call.operationRate, call.ceilings);
  const { latency } = call;
  const text = fields([
    settings.id,
    call.clock ?? -1,
    Math.max(0, Math.round(call.unusedTokens ?? 0)),
    call.actualMicros ?? 0,
    call.actualTokens ?? 0,
    Math.max(0, Math.round(call.actualToolCalls ?? 0)),
    call.budgetTtlMs ?? 7 * 86_400_000,
    call.attemptId,
    call.outcome ?? '',
    call.workerId,
    call.provider,
    call.operationRate ? (call.operation ?? '') : '',
    call.reservation ?? '',
    latency?.model ?? '',
    latency ? Math.round(latency.totalMs) : '',
    latency?.firstTokenMs === undefined ? '' : Math.round(latency.firstTokenMs),
    call.slow ? 1 : 0,
  ]);
  return { text, settings };
}

/** The reservation argument that charges usage recorded without an admission (today's daily scope). */
export function usageCharge(usageId: string, runId: string | undefined, turn: string | undefined): string {
  return [usageId, runId ?? '', turn ?? '', '*', '', ''].join('|');
}
