/**
 * The typed boundary to the guard's Lua scripts: calls them with their arguments (encoded in
 * `script-arguments.ts`) and maps their replies (and return codes) to values. One call here is one
 * Redis round trip, except the first of a worker's settings on a server that does not know them yet.
 */
import type Redis from 'ioredis';
import type { BreakerSettings, BreakerStateName } from '../breaker/settings';
import type { BreakerCounts, BreakerTransition } from '../breaker/state-machine';
import type { KeySpace } from '../redis/keys';
import { commandsOf, type BreakwaterCommands } from '../redis/scripts';
import {
  encodeAdmit,
  encodeSettle,
  packBreakerSettings,
  packCeilings,
  type EncodedCall,
} from './script-arguments';

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
  /** Redis does not know the call's settings yet: call again with them (both scripts). */
  SettingsUnknown: -9,
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

  /** Calls `script` with its text; once more with the packed settings if Redis does not know them yet. */
  private async withSettings<Reply extends readonly unknown[]>(
    script: (slot: string, ...args: Array<string | Buffer>) => Promise<Reply>,
    { text, settings }: EncodedCall,
  ): Promise<Reply> {
    const reply = await script(this.keys.slot(), text);
    if (reply[0] !== AdmitCode.SettingsUnknown) return reply;
    return script(this.keys.slot(), text, settings.packed);
  }

  async admit(call: AdmitCall): Promise<AdmitOutcome> {
    const reply = await this.withSettings(this.commands.admit, encodeAdmit(call));
    const [code, probe, retryAfterMs, detail, transitionJson, reservation] = reply;
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
    const reply = await this.withSettings(this.commands.settle, encodeSettle(call));
    const [breakerSettled, transitionJson, budgetSettled] = reply;
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
