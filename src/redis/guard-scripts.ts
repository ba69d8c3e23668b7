/**
 * The typed boundary to the guard's Lua scripts: calls them with their arguments (encoded in
 * `script-arguments.ts`) and maps their replies (and return codes) to values. One call here is one
 * Redis round trip, except the first of a worker's settings on a server that does not know them yet.
 */
import type { RedisConnection } from './connection';
import type { BreakerCounts, BreakerSettings, BreakerStateName, BreakerTransition } from '../breaker/types';
import type { BudgetCeilings } from '../budget/types';
import {
  callAndWait,
  commandsOf,
  type AdmitReply,
  type BreakwaterCommands,
  type ReplicatedReply,
  type ScriptName,
  type SettleReply,
} from './function-library';
import type { KeySpace } from './keys';
import {
  encodeAdmit,
  encodeSettle,
  packBreakerSettings,
  packCeilings,
  type AdmitCall,
  type SettleCall,
} from './script-arguments';
import type { ModelLatency, ReplicaWaitSettings } from './types';

/** The return codes of the guard's scripts, as `lua/_codes.lua` names them. */
export const SCRIPT_CODES = {
  ADMITTED: 1,
  BREAKER_REFUSED: 0,
  RATE_LIMITED: -1,
  BUDGET_BUSY: -2,
  BUDGET_EXCEEDED: -3,
  DEGRADED: -4,
  TOOL_CALL_CAP: -5,
  SETTINGS_UNKNOWN: -9,
} as const;

export type AdmitOutcome =
  | {
      code: 'admitted';
      probe: boolean;
      reservation: string;
      transition?: BreakerTransition;
      /** The model's rolling latency, when the call named its model. */
      latency?: ModelLatency;
    }
  | { code: 'breaker_refused'; state: BreakerStateName; retryAfterMs: number; transition?: BreakerTransition }
  | { code: 'rate_limited'; retryAfterMs: number; bucket: string; transition?: BreakerTransition }
  | { code: 'budget_busy'; scope: string; transition?: BreakerTransition }
  | { code: 'budget_exceeded'; scope: string; retryAfterMs: number }
  | { code: 'degraded' };

export interface SettleResult {
  breakerSettled: boolean;
  budgetSettled: boolean;
  /** False when `WAIT` (REDIS_WAIT_REPLICAS) saw fewer replicas acknowledge the charge than asked. */
  replicated: boolean;
  transition?: BreakerTransition;
}

/** No `WAIT` after the scripts. */
export const NO_REPLICA_WAIT: ReplicaWaitSettings = { replicas: 0, timeoutMs: 0 };

/**
 * An admission the primary granted but fewer replicas than `REDIS_WAIT_REPLICAS` acknowledged within
 * `REDIS_WAIT_TIMEOUT_MS`: a failover now could lose it (and the budget it reserved).
 */
export class UnreplicatedAdmissionError extends Error {
  constructor(
    readonly admission: Extract<AdmitOutcome, { code: 'admitted' }>,
    readonly acknowledged: number,
    readonly wanted: number,
  ) {
    super(`admission acknowledged by ${acknowledged} of ${wanted} replicas (REDIS_WAIT_REPLICAS)`);
    this.name = 'UnreplicatedAdmissionError';
  }
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

/** The model's rolling latency an admission carries, when it was asked for one. */
function modelLatencyOf(values: readonly unknown[]): { latency?: ModelLatency } {
  if (values.length < 4) return {};
  const [totalP95, totalSamples, firstTokenP95, firstTokenSamples] = values.map(Number);
  return {
    latency: {
      total: { p95Ms: totalP95!, samples: totalSamples! },
      firstToken: { p95Ms: firstTokenP95!, samples: firstTokenSamples! },
    },
  };
}

/** What each admission code means: the one mapping from an admit reply to its outcome. */
const ADMIT_REPLIES: Record<number, (reply: AdmitReply) => AdmitOutcome> = {
  [SCRIPT_CODES.ADMITTED]: ([, probe, , , transition, reservation, ...latency]) => ({
    code: 'admitted',
    probe: probe === 1,
    reservation,
    ...withTransition(parseTransition(transition)),
    ...modelLatencyOf(latency),
  }),
  [SCRIPT_CODES.BREAKER_REFUSED]: ([, , retryAfterMs, state, transition]) => ({
    code: 'breaker_refused',
    state: state as BreakerStateName,
    retryAfterMs: Number(retryAfterMs),
    ...withTransition(parseTransition(transition)),
  }),
  [SCRIPT_CODES.RATE_LIMITED]: ([, , retryAfterMs, bucket, transition]) => ({
    code: 'rate_limited',
    retryAfterMs: Number(retryAfterMs),
    bucket,
    ...withTransition(parseTransition(transition)),
  }),
  [SCRIPT_CODES.BUDGET_BUSY]: ([, , , scope, transition]) => ({
    code: 'budget_busy',
    scope,
    ...withTransition(parseTransition(transition)),
  }),
  [SCRIPT_CODES.BUDGET_EXCEEDED]: ([, , retryAfterMs, scope]) => ({
    code: 'budget_exceeded',
    scope,
    retryAfterMs: Number(retryAfterMs),
  }),
  [SCRIPT_CODES.DEGRADED]: () => ({ code: 'degraded' }),
};

/** Where a guard's scripts run: the connection, its key space and the replicas to `WAIT` for. */
export interface ScriptTarget {
  readonly redis: RedisConnection;
  readonly keys: KeySpace;
  readonly replicaWait: ReplicaWaitSettings;
}

/**
 * Calls function `name` with `text` (whose first field names the settings); once more with the
 * `packed` settings when Redis does not know them yet. With replicas to wait for, each call `WAIT`s
 * for them in the same round trip.
 */
export async function callWithSettings<Reply extends readonly unknown[]>(
  target: ScriptTarget,
  name: ScriptName,
  text: string,
  packed: Buffer,
): Promise<ReplicatedReply<Reply>> {
  const result = await callScript<Reply>(target, name, [text]);
  if (result.reply[0] !== SCRIPT_CODES.SETTINGS_UNKNOWN) return result;
  return callScript<Reply>(target, name, [text, packed]);
}

async function callScript<Reply>(
  { redis, keys, replicaWait }: ScriptTarget,
  name: ScriptName,
  args: Array<string | Buffer>,
): Promise<ReplicatedReply<Reply>> {
  if (replicaWait.replicas === 0) {
    const reply = (await commandsOf(redis)[name](keys.slot(), ...args)) as Reply;
    return { reply, acknowledged: 0 };
  }
  return callAndWait<Reply>(redis, name, replicaWait, keys.slot(), args);
}

export class GuardScripts {
  private readonly commands: BreakwaterCommands;

  constructor(
    readonly redis: RedisConnection,
    readonly keys: KeySpace,
    /** `WAIT` for replicas after each admit and settle (REDIS_WAIT_REPLICAS). */
    readonly replicaWait: ReplicaWaitSettings = NO_REPLICA_WAIT,
  ) {
    this.commands = commandsOf(redis);
  }

  /**
   * @throws UnreplicatedAdmissionError when the call was admitted but `WAIT` saw too few replicas
   *   acknowledge it (only with REDIS_WAIT_REPLICAS)
   */
  async admit(call: AdmitCall): Promise<AdmitOutcome> {
    const { text, settings } = encodeAdmit(call);
    const { reply, acknowledged } = await callWithSettings<AdmitReply>(this, 'admit', text, settings.packed);
    const decode = ADMIT_REPLIES[reply[0]];
    if (!decode) throw new Error(`admit script returned an unknown code ${String(reply[0])}`);
    const outcome = decode(reply);
    const wanted = this.replicaWait.replicas;
    if (outcome.code === 'admitted' && acknowledged < wanted) {
      throw new UnreplicatedAdmissionError(outcome, acknowledged, wanted);
    }
    return outcome;
  }

  async settle(call: SettleCall): Promise<SettleResult> {
    const { text, settings } = encodeSettle(call);
    const { reply, acknowledged } = await callWithSettings<SettleReply>(
      this,
      'settle',
      text,
      settings.packed,
    );
    const [breakerSettled, transitionJson, budgetSettled] = reply;
    return {
      breakerSettled: breakerSettled === 1,
      budgetSettled: budgetSettled === 1,
      replicated: acknowledged >= this.replicaWait.replicas,
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
