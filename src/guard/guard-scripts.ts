/**
 * The typed boundary to the guard's Lua scripts: packs arguments as the scripts take them and maps
 * their replies (and return codes) to values. One call here is one Redis round trip.
 */
import type Redis from 'ioredis';
import type { BreakerSettings, BreakerStateName } from '../breaker/settings';
import type { BreakerCounts, BreakerTransition } from '../breaker/state-machine';
import type { KeySpace } from '../redis/keys';
import { commandsOf, type BreakwaterCommands } from '../redis/scripts';

/** A provider's shared rate limit: token buckets of requests and tokens per minute (0 = off). */
export interface RateLimit {
  rpm: number;
  tpm: number;
  /** Requests that may go at once above the steady rate (the request bucket's capacity). */
  burst: number;
  /** The token bucket's capacity. */
  tokenBurst: number;
}

/** What one call asks of the budgets: its worst case, in every scope it belongs to. */
export interface BudgetClaim {
  runId?: string;
  turn?: string;
  operation: string;
  /** Worst-case cost, integer micro-dollars. */
  micros: number;
  /** Worst-case tokens (prompt + maximum output). */
  tokens: number;
}

/** Default ceilings (0 = no limit); operators may override them in Redis. */
export interface BudgetCeilings {
  runMicros: number;
  operationMicros: number;
  dailyMicros: number;
  turnTokens: number;
  turnToolCalls: number;
}

/** The return codes of `admit-1.lua`. */
export const AdmitCode = {
  Admitted: 1,
  BreakerRefused: 0,
  RateLimited: -1,
  BudgetBusy: -2,
  BudgetExceeded: -3,
} as const;

export type AdmitOutcome =
  | { code: 'admitted'; probe: boolean; reservation: string; transition?: BreakerTransition }
  | { code: 'breaker_refused'; state: BreakerStateName; retryAfterMs: number; transition?: BreakerTransition }
  | { code: 'rate_limited'; retryAfterMs: number; bucket: string; transition?: BreakerTransition }
  | { code: 'budget_busy'; scope: string; transition?: BreakerTransition }
  | { code: 'budget_exceeded'; scope: string; retryAfterMs: number };

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
  /** Tests only: a clock instead of Redis time. */
  clock?: number;
}

export interface SettleCall {
  provider: string;
  attemptId: string;
  /** The breaker outcome; undefined settles the budget only (usage recorded outside a call). */
  outcome?: 'success' | 'failure' | 'rate_limited' | 'neutral';
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
  budgetTtlMs?: number;
  clock?: number;
}

export interface SettleResult {
  breakerSettled: boolean;
  budgetSettled: boolean;
  transition?: BreakerTransition;
}

const NO_COUNTS: BreakerCounts = {
  consecutiveFailures: 0,
  halfOpenSuccesses: 0,
  windowCalls: 0,
  windowFailures: 0,
  distinctFailingWorkers: 0,
};

/** Packs `value` once per settings object: admission runs on every LLM call. */
function memoized<T extends object>(pack: (value: T) => Buffer): (value: T) => Buffer {
  const packed = new WeakMap<T, Buffer>();
  return (value) => {
    let result = packed.get(value);
    if (result === undefined) {
      result = pack(value);
      packed.set(value, result);
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

/** Zero-terminated strings (the scripts read them with `struct.unpack('s')`; ids never hold a NUL). */
function strings(values: readonly string[]): Buffer {
  return Buffer.from(values.map((value) => `${value}\0`).join(''));
}

/** The breaker settings as the scripts take them: 11 doubles (see `lua/_breaker.lua`). */
export const packBreakerSettings = memoized((s: BreakerSettings) =>
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
  ]),
);

const NO_RATE = doubles([0, 0, 1, 1]);

const packRateLimit = memoized((rate: RateLimit) =>
  doubles([
    Math.max(0, rate.rpm),
    Math.max(0, rate.tpm),
    Math.max(1, rate.burst),
    Math.max(1, rate.tokenBurst),
  ]),
);

function packRate(rate: RateLimit | undefined): Buffer {
  return rate ? packRateLimit(rate) : NO_RATE;
}

const NO_CEILINGS = doubles([0, 0, 0, 0, 0]);

const packCeilingValues = memoized((c: BudgetCeilings) =>
  doubles([c.runMicros, c.operationMicros, c.dailyMicros, c.turnTokens, c.turnToolCalls]),
);

function packCeilings(c: BudgetCeilings | undefined): Buffer {
  return c ? packCeilingValues(c) : NO_CEILINGS;
}

/** The admit script's one argument (layout in `lua/admit-1.lua`). */
function encodeAdmit(call: AdmitCall): Buffer {
  const claim = call.claim;
  return Buffer.concat([
    doubles([
      call.leaseMs,
      call.random,
      call.clock ?? -1,
      Math.max(0, Math.round(call.tokens ?? claim?.tokens ?? 0)),
    ]),
    packBreakerSettings(call.breaker),
    packRate(call.rate),
    packRate(call.operationRate),
    packCeilings(call.ceilings),
    doubles([claim ? 1 : 0, claim?.micros ?? 0, claim?.tokens ?? 0]),
    strings([
      call.attemptId,
      call.provider,
      call.operationRate ? (call.operation ?? '') : '',
      claim?.runId ?? '',
      claim?.turn ?? '',
      claim?.operation ?? '',
    ]),
  ]);
}

const NO_BREAKER = doubles(new Array<number>(11).fill(0));

/** The settle script's one argument (layout in `lua/settle-1.lua`). */
function encodeSettle(call: SettleCall): Buffer {
  return Buffer.concat([
    doubles([
      call.clock ?? -1,
      Math.max(0, Math.round(call.unusedTokens ?? 0)),
      call.actualMicros ?? 0,
      call.actualTokens ?? 0,
      call.budgetTtlMs ?? 7 * 86_400_000,
    ]),
    call.breaker ? packBreakerSettings(call.breaker) : NO_BREAKER,
    packRate(call.rate),
    packRate(call.operationRate),
    strings([
      call.attemptId,
      call.outcome ?? '',
      call.workerId,
      call.provider,
      call.operationRate ? (call.operation ?? '') : '',
      call.reservation ?? '',
    ]),
  ]);
}

/** The reservation argument that charges usage recorded without an admission (today's daily scope). */
export function usageCharge(usageId: string, runId: string | undefined, turn: string | undefined): string {
  return [usageId, runId ?? '', turn ?? '', '*', '', ''].join('|');
}

/** A transition decoded from a script's JSON (cjson encodes an empty table as an array). */
export function normalizeTransition(
  transition: BreakerTransition & { counts: BreakerCounts | [] },
): BreakerTransition {
  return { ...transition, counts: Array.isArray(transition.counts) ? { ...NO_COUNTS } : transition.counts };
}

export function parseTransition(json: string): BreakerTransition | undefined {
  return json
    ? normalizeTransition(JSON.parse(json) as BreakerTransition & { counts: BreakerCounts | [] })
    : undefined;
}

const withTransition = (transition: BreakerTransition | undefined) => (transition ? { transition } : {});

export class GuardScripts {
  private readonly commands: BreakwaterCommands;

  constructor(
    readonly redis: Redis,
    readonly keys: KeySpace,
  ) {
    this.commands = commandsOf(redis);
  }

  async admit(call: AdmitCall): Promise<AdmitOutcome> {
    const [code, probe, retryAfterMs, detail, transitionJson, reservation] = await this.commands.admit(
      this.keys.slot(),
      encodeAdmit(call),
    );
    const transition = parseTransition(transitionJson);
    switch (code) {
      case AdmitCode.Admitted:
        return { code: 'admitted', probe: probe === 1, reservation, ...withTransition(transition) };
      case AdmitCode.BreakerRefused:
        return {
          code: 'breaker_refused',
          state: detail as BreakerStateName,
          retryAfterMs: Number(retryAfterMs),
          ...withTransition(transition),
        };
      case AdmitCode.RateLimited:
        return {
          code: 'rate_limited',
          retryAfterMs: Number(retryAfterMs),
          bucket: detail,
          ...withTransition(transition),
        };
      case AdmitCode.BudgetBusy:
        return { code: 'budget_busy', scope: detail, ...withTransition(transition) };
      case AdmitCode.BudgetExceeded:
        return { code: 'budget_exceeded', scope: detail, retryAfterMs: Number(retryAfterMs) };
      default:
        throw new Error(`admit script returned an unknown code ${String(code)}`);
    }
  }

  async settle(call: SettleCall): Promise<SettleResult> {
    const [breakerSettled, transitionJson, budgetSettled] = await this.commands.settle(
      this.keys.slot(),
      encodeSettle(call),
    );
    return {
      breakerSettled: breakerSettled === 1,
      budgetSettled: budgetSettled === 1,
      ...withTransition(parseTransition(transitionJson)),
    };
  }

  /** Runs `breaker-control-1.lua` and returns its parsed JSON reply. */
  async breakerControl(
    provider: string,
    action: 'status' | 'reset' | 'open',
    durationMs: number,
    breaker: BreakerSettings,
    clock?: number,
  ): Promise<unknown> {
    return JSON.parse(
      await this.commands.breakerControl(
        this.keys.slot(),
        action,
        durationMs,
        packBreakerSettings(breaker),
        clock ?? '',
        provider,
      ),
    ) as unknown;
  }

  /** Runs `budget-control-1.lua` and returns its parsed JSON reply. */
  async budgetControl(
    action: 'show' | 'set',
    ceilings: BudgetCeilings,
    options: {
      runId?: string;
      turn?: string;
      operation?: string;
      field?: string;
      value?: string;
      clock?: number;
    },
  ): Promise<unknown> {
    return JSON.parse(
      await this.commands.budgetControl(
        this.keys.slot(),
        action,
        packCeilings(ceilings),
        options.runId ?? '',
        options.turn ?? '',
        options.operation ?? '',
        options.field ?? '',
        options.value ?? '',
        options.clock ?? '',
      ),
    ) as unknown;
  }
}
