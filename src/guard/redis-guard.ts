import type Redis from 'ioredis';
import { GuardUnavailableError } from '../errors';
import type { Logger } from '../observability/logger';
import type { BreakwaterMetrics } from '../observability/metrics';
import type { KeySpace } from '../redis/keys';
import { guardCommands, type GuardCommands } from '../redis/scripts';
import type { Admission, AdmitRequest, Guard, SettleRequest } from './guard';

export interface RedisGuardOptions {
  redis: Redis;
  keys: KeySpace;
  /** Admit calls when Redis is unreachable instead of failing closed. */
  failOpen: boolean;
  /** The wait a fail-closed refusal asks for. */
  unavailableRetryMs: number;
  logger: Logger;
  metrics: BreakwaterMetrics;
}

/** The guard on shared Redis state: every worker sees the same admissions. */
export class RedisGuard implements Guard {
  private readonly commands: GuardCommands;

  constructor(private readonly options: RedisGuardOptions) {
    this.commands = guardCommands(options.redis);
  }

  async admit(request: AdmitRequest): Promise<Admission> {
    const keys = this.options.keys.provider(request.provider);
    try {
      await this.commands.admit(keys.inflight, keys.stats, request.attemptId, request.leaseMs);
    } catch (error) {
      return this.unavailable(request, error);
    }
    this.options.metrics.guardAdmissions.inc({ provider: request.provider, decision: 'admitted' });
    return { provider: request.provider, attemptId: request.attemptId, guarded: true };
  }

  async settle({ admission, outcome }: SettleRequest): Promise<void> {
    if (!admission.guarded) return;
    const keys = this.options.keys.provider(admission.provider);
    try {
      await this.commands.settle(keys.inflight, keys.stats, admission.attemptId, outcome);
    } catch (error) {
      // The lease expires on its own; the outcome is lost to the shared counters only.
      this.options.logger.warn({ provider: admission.provider, err: error }, 'guard settle failed');
    }
  }

  private unavailable(request: AdmitRequest, error: unknown): Admission {
    const decision = this.options.failOpen ? 'failed_open' : 'unavailable';
    this.options.metrics.guardAdmissions.inc({ provider: request.provider, decision });
    this.options.logger.warn({ provider: request.provider, decision, err: error }, 'guard state unreachable');
    if (this.options.failOpen)
      return { provider: request.provider, attemptId: request.attemptId, guarded: false };
    throw new GuardUnavailableError(
      'guard state (Redis) is unreachable; failing closed',
      this.options.unavailableRetryMs,
      request.context,
    );
  }
}
