/**
 * The typed boundary to the tools' scripts (`lua/tool-admit-1.lua`, `lua/tool-settle-1.lua`): one
 * round trip to admit a call of a guarded activity, one to settle it. A tool's settings (its breaker
 * and rate limit) are packed once, named by a fingerprint, and shipped only when Redis does not know
 * them yet, as the LLM guard's are.
 */
import { createHash } from 'node:crypto';
import type { BreakerOutcome, BreakerSettings, BreakerStateName, BreakerTransition } from '../breaker/types';
import type { RateLimit } from '../ratelimit/types';
import type { RedisConnection } from './connection';
import type { ToolAdmitReply, ToolSettleReply } from './function-library';
import { callWithSettings, NO_REPLICA_WAIT, parseTransition, SCRIPT_CODES } from './guard-scripts';
import type { KeySpace } from './keys';
import { doubles, fields, packBreakerSettings } from './script-arguments';
import type { ReplicaWaitSettings } from './types';

/** A tool's settings as its scripts take them. */
export interface ToolScriptSettings {
  breaker: BreakerSettings;
  /** Undefined: no rate limit. */
  rate?: RateLimit;
}

export interface ToolAdmitCall {
  tool: string;
  attemptId: string;
  leaseMs: number;
  settings: ToolScriptSettings;
  /** The task (workflow id) whose calls `maxCallsPerTask` caps. */
  workflowId: string;
  /** 0: no cap. */
  maxCallsPerTask: number;
  random: number;
  /** Tests only: a clock instead of Redis time. */
  clock?: number;
}

export interface ToolSettleCall {
  tool: string;
  attemptId: string;
  outcome: Extract<BreakerOutcome, 'success' | 'failure' | 'neutral'>;
  workerId: string;
  settings: ToolScriptSettings;
  clock?: number;
}

export type ToolAdmitOutcome = (
  | { code: 'admitted'; probe: boolean }
  | { code: 'tool_call_cap'; calls: number }
  | { code: 'breaker_refused'; state: BreakerStateName; retryAfterMs: number }
  | { code: 'rate_limited'; retryAfterMs: number }
) & { transition?: BreakerTransition };

export interface ToolSettleResult {
  settled: boolean;
  transition?: BreakerTransition;
}

interface PackedSettings {
  id: string;
  packed: Buffer;
}

const packedSettings = new WeakMap<ToolScriptSettings, PackedSettings>();

/** 16 little-endian doubles: the breaker's 12, the rate limit's 4 (see `lua/_tools.lua`). */
function pack(settings: ToolScriptSettings): PackedSettings {
  let result = packedSettings.get(settings);
  if (result !== undefined) return result;
  const { rate } = settings;
  const packed = Buffer.concat([
    packBreakerSettings(settings.breaker),
    doubles([
      rate?.rpm ?? 0,
      rate?.tpm ?? 0,
      Math.max(1, rate?.burst ?? 1),
      Math.max(1, rate?.tokenBurst ?? 1),
    ]),
  ]);
  result = { id: `tool:${createHash('sha1').update(packed).digest('hex').slice(0, 20)}`, packed };
  packedSettings.set(settings, result);
  return result;
}

function admitOutcomeOf([
  code,
  probe,
  retryAfterMs,
  detail,
  transitionJson,
]: ToolAdmitReply): ToolAdmitOutcome {
  const transition = parseTransition(transitionJson);
  const withTransition = transition ? { transition } : {};
  switch (code) {
    case SCRIPT_CODES.ADMITTED:
      return { code: 'admitted', probe: probe === 1, ...withTransition };
    case SCRIPT_CODES.TOOL_CALL_CAP:
      return { code: 'tool_call_cap', calls: Number(detail) };
    case SCRIPT_CODES.BREAKER_REFUSED:
      return {
        code: 'breaker_refused',
        state: detail as BreakerStateName,
        retryAfterMs: Number(retryAfterMs),
        ...withTransition,
      };
    case SCRIPT_CODES.RATE_LIMITED:
      return { code: 'rate_limited', retryAfterMs: Number(retryAfterMs), ...withTransition };
    default:
      throw new Error(`tool admit script returned an unknown code ${String(code)}`);
  }
}

export class ToolScripts {
  constructor(
    readonly redis: RedisConnection,
    readonly keys: KeySpace,
    /** `WAIT` for replicas after each admit and settle (REDIS_WAIT_REPLICAS). */
    readonly replicaWait: ReplicaWaitSettings = NO_REPLICA_WAIT,
  ) {}

  async admit(call: ToolAdmitCall): Promise<ToolAdmitOutcome> {
    const text = fields([
      '',
      call.leaseMs,
      call.random,
      call.clock ?? -1,
      call.attemptId,
      call.tool,
      call.workflowId,
      call.maxCallsPerTask,
    ]);
    return admitOutcomeOf(await this.withSettings<ToolAdmitReply>('toolAdmit', text, call.settings));
  }

  async settle(call: ToolSettleCall): Promise<ToolSettleResult> {
    const text = fields(['', call.clock ?? -1, call.attemptId, call.outcome, call.workerId, call.tool]);
    const [settled, transitionJson] = await this.withSettings<ToolSettleReply>(
      'toolSettle',
      text,
      call.settings,
    );
    const transition = parseTransition(transitionJson);
    return { settled: settled === 1, ...(transition ? { transition } : {}) };
  }

  /** Calls `name` with `text` after its settings id; with the packed settings too if Redis does not know them. */
  private async withSettings<Reply extends readonly unknown[]>(
    name: 'toolAdmit' | 'toolSettle',
    text: string,
    settings: ToolScriptSettings,
  ): Promise<Reply> {
    const { id, packed } = pack(settings);
    return (await callWithSettings<Reply>(this, name, `${id}${text}`, packed)).reply;
  }
}
