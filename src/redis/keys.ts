/**
 * Every Redis key Breakwater writes, in one table: `KEY_MAP`. Each key is the slot key
 * `<prefix>:{<prefix>}` followed by its pattern, so it carries the prefix's hash tag: all the state of
 * one prefix (breakers, rate limits, budgets, the dead-letter queue) lives in one Cluster slot, and
 * one script can check and update any of it atomically (ADR 0002).
 *
 * TypeScript builds keys with `KeySpace.key(name, ...parts)`; the Lua scripts get the same table, as
 * the `KEY` functions `luaKeyFunctions()` writes into the function library (`KEY.breakerState(provider)`),
 * so a key's name and layout are spelled here only.
 */

/** A key's pattern (after the slot key; `<part>` is filled in when the key is built), type and content. */
export interface KeyDefinition {
  pattern: string;
  type: 'HASH' | 'ZSET' | 'SET' | 'STRING' | 'STREAM' | 'LIST';
  holds: string;
}

// prettier-ignore
export const KEY_MAP = {
  breakerRegistry:       { pattern: ':breakers', type: 'SET', holds: 'provider names that have a breaker (for status listings)' },
  breakerState:          { pattern: ':breaker:<provider>:state', type: 'HASH', holds: 'state, consecutive, halfOpenSuccesses, openUntil, lastSuccessAt, probesOrFailers (0: both keys empty), the provider\'s rate-limit buckets (rateRequests, rateTokens, rateAt ms, and rateRefunds: tokens given back since) and its request ring\'s state (rateRing: "size:head"), and the cluster-wide counters as stat:<name> (probes, success, failure, rejected_*, transitions, ...)' },
  breakerInflight:       { pattern: ':breaker:<provider>:inflight', type: 'ZSET', holds: 'attemptId -> lease expiry (ms): every admitted, unsettled attempt' },
  breakerProbes:         { pattern: ':breaker:<provider>:probes', type: 'ZSET', holds: 'attemptId -> lease expiry (ms): the HALF_OPEN probes among them' },
  breakerWindow:         { pattern: ':breaker:<provider>:window', type: 'ZSET', holds: 'attemptId -> settle time: counted outcomes in the sliding window' },
  breakerWindowFailures: { pattern: ':breaker:<provider>:window-failures', type: 'ZSET', holds: 'attemptId -> settle time: the failures among them' },
  breakerWindowSlow:     { pattern: ':breaker:<provider>:window-slow', type: 'ZSET', holds: 'attemptId -> settle time: the slow calls among them (rate mode with BREAKER_SLOW_CALL_RATE)' },
  breakerRequests:       { pattern: ':breaker:<provider>:requests', type: 'STRING', holds: 'the times (ms) of the provider\'s recent admissions (every one of the last 60 s), a ring of 6-byte little-endian integers (its state: rateRing in the state hash); expires after 10 idle minutes' },
  breakerFailers:        { pattern: ':breaker:<provider>:failers', type: 'HASH', holds: 'workerId -> time of its last counted failure' },
  rateLimit:             { pattern: ':ratelimit:<bucket>', type: 'STRING', holds: '"requests,tokens,atMs" of an operation\'s bucket (op:<operation>), then its request ring\'s state ",size:head" (when it has an rpm), then ",<tokens>" per refund since; expires after 10 idle minutes' },
  rateRequests:          { pattern: ':ratelimit-requests:<bucket>', type: 'STRING', holds: 'the times (ms) of an operation\'s (op:<operation>) recent admissions (every one of the last 60 s), a ring of 6-byte little-endian integers; expires after 10 idle minutes' },
  budgetRun:             { pattern: ':budget:run:<runId>', type: 'HASH', holds: 'spent, reserved (micro-dollars), ceiling (a per-run override); per turn turn:<turn>:tokensSpent, turn:<turn>:tokensReserved, turn:<turn>:calls (LLM calls admitted + tool calls their answers asked for)' },
  budgetDaily:           { pattern: ':budget:daily:<day>', type: 'HASH', holds: 'spent, reserved (micro-dollars) of a UTC day (days since the epoch)' },
  budgetCeilings:        { pattern: ':budget:ceilings', type: 'HASH', holds: 'operator overrides: run, operation, operation:<name>, daily, turnTokens, turnCalls' },
  budgetReservations:    { pattern: ':budget:reservations', type: 'ZSET', holds: '"attemptId|runId|turn|day|micros|tokens" -> lease expiry' },
  budgetReleased:        { pattern: ':budget:released', type: 'ZSET', holds: 'attemptId -> expiry: attempts whose expired reservation was released before they settled (their settle charges once)' },
  budgetSettled:         { pattern: ':budget:settled', type: 'ZSET', holds: 'usageId -> expiry: usage charged without a reservation, so a second charge of it charges nothing' },
  budgetStats:           { pattern: ':budget:stats', type: 'HASH', holds: 'refused_<scope>, reservations_expired' },
  dlqStream:             { pattern: ':ai:dlq', type: 'STREAM', holds: 'tasks that ended FAILED and may be replayed' },
  deadStream:            { pattern: ':ai:dead', type: 'STREAM', holds: 'tasks no replay can fix (input errors) and poisoned ones' },
  dlqIndex:              { pattern: ':dlq:index', type: 'HASH', holds: 'jobId -> "stream|entryId|runId": where a job\'s one entry is' },
  dlqStats:              { pattern: ':dlq:stats', type: 'HASH', holds: 'enqueued, dead, replayed, poisoned, purged, trimmed, trimmed_dead' },
  dlqClaim:              { pattern: ':dlq:claim:<jobId>', type: 'STRING', holds: 'the token of the replay under way (expires)' },
  dlqReplayed:           { pattern: ':dlq:replayed:<jobId>', type: 'STRING', holds: 'the run a replay started (kept a day)' },
  taskDeltas:            { pattern: ':deltas:<idempotencyKey>', type: 'STREAM', holds: 'live deltas of a streamed task: attempt markers, deltas, an end marker (capped, expires)' },
  keptAnswer:            { pattern: ':answer:<call>', type: 'STRING', holds: 'the sealed answer of a call (workflowId/runId/activityId) that succeeded, with the attempt that received it, for a retry whose completion was lost (expires)' },
  degradedMode:          { pattern: ':degraded', type: 'HASH', holds: 'degraded mode: active (1|0), reason, since (ms), forced (on, while an operator forces it), forcedBy' },
  degradedStats:         { pattern: ':degraded:stats', type: 'HASH', holds: 'cluster-wide submit counters: shed_<priority>, refused_degraded, parked' },
  tasksQueued:           { pattern: ':tasks:<taskQueue>:queued', type: 'ZSET', holds: 'workflowId -> time added: tasks submitted whose first call was not admitted yet' },
  tasksBlocked:          { pattern: ':tasks:<taskQueue>:blocked', type: 'ZSET', holds: 'workflowId -> time blocked: tasks whose last admission was refused with a wait (BLOCKED)' },
  tasksReconcile:        { pattern: ':tasks:<taskQueue>:reconcile', type: 'STRING', holds: 'the worker reconciling the waiting tasks against Temporal visibility now (expires)' },
  latencySummary:        { pattern: ':latency:<provider>:<model>', type: 'HASH', holds: 'the rolling latency of successful calls to a model: totalP95, totalSamples, firstTokenP95, firstTokenSamples (ms), and totalPushes, firstTokenPushes (samples ever recorded; past the window, the p95 is computed every 10th); expires 7 idle days' },
  latencySamples:        { pattern: ':latency-samples:<kind>:<provider>:<model>', type: 'LIST', holds: 'the last 100 latencies (ms) of successful calls to a model, newest first; kind: total or firstToken (expires 7 idle days)' },
  toolRegistry:          { pattern: ':tools', type: 'SET', holds: 'activity types guarded as tools (for status listings); a tool\'s breaker and rate limit are the breaker* keys of `tool:<name>` (see `toolBreakerName`)' },
  toolTaskCalls:         { pattern: ':tool:<tool>:task:<workflowId>:calls', type: 'STRING', holds: 'attempts of a tool admitted for one task (workflow id), against its maxCallsPerTask; expires a day after its last call' },
  alertStream:           { pattern: ':alerts', type: 'STREAM', holds: 'alert events (breaker transitions, degraded on/off, budgets crossing 90 %), each raised once by the script that caused it (capped)' },
} as const satisfies Record<string, KeyDefinition>;

export type KeyName = keyof typeof KEY_MAP;

/** The prefix of a tool's name among the breakers: its breaker* keys are `:breaker:tool:<name>:…`. */
export const TOOL_BREAKER_PREFIX = 'tool:';

/**
 * The name a tool's breaker (and its rate limit) goes by in the breaker* keys, apart from every
 * provider's (a provider's name never holds ':'). `lua/_tools.lua` builds the same.
 */
export function toolBreakerName(tool: string): string {
  return `${TOOL_BREAKER_PREFIX}${tool}`;
}

/** The `<part>`s a pattern takes, in order. */
type PartsOf<Pattern extends string> = Pattern extends `${string}<${string}>${infer Rest}`
  ? [string, ...PartsOf<Rest>]
  : [];

/** What a key of `name` is built from. */
export type KeyParts<Name extends KeyName> = PartsOf<(typeof KEY_MAP)[Name]['pattern']>;

const PART = /<([a-zA-Z]+)>/g;

function partsOf(pattern: string): string[] {
  return [...pattern.matchAll(PART)].map((match) => match[1]!);
}

export class KeySpace {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) {
      throw new RangeError(
        `keyPrefix: '${prefix}' must be 1-64 characters of letters, digits, ':', '_', '.' or '-'`,
      );
    }
  }

  /** The key every script takes as KEYS[1]; its hash tag places all the state of the prefix in one slot. */
  slot(): string {
    return `${this.prefix}:{${this.prefix}}`;
  }

  /** The key `name` of `KEY_MAP`, with its `<part>`s filled in order. */
  key<Name extends KeyName>(name: Name, ...parts: KeyParts<Name>): string {
    const { pattern } = KEY_MAP[name];
    let index = 0;
    const key = pattern.replace(PART, () => (parts as string[])[index++] ?? '');
    if (index !== parts.length) {
      throw new RangeError(`${name}: takes ${partsOf(pattern).join(', ') || 'no parts'}`);
    }
    return `${this.slot()}${key}`;
  }
}

/**
 * `KEY_MAP` as Lua: `KEY.<name>(<parts>)` returns the key from the slot key `base` (set by each
 * function of the library before its body runs; see `lua/_common.lua`).
 */
export function luaKeyFunctions(): string {
  const entries = Object.entries(KEY_MAP).map(([name, { pattern }]) => {
    const parts = partsOf(pattern);
    const pieces = pattern
      .split(PART)
      .map((piece, index) => (index % 2 === 1 ? piece : piece === '' ? undefined : `'${piece}'`))
      .filter((piece): piece is string => piece !== undefined);
    return `  ${name} = function(${parts.join(', ')}) return ${['base', ...pieces].join(' .. ')} end,`;
  });
  return ['-- Every key, from src/redis/keys.ts (KEY_MAP).', 'local KEY = {', ...entries, '}'].join('\n');
}
