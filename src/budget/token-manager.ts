/**
 * The budget API for application code, operators and UIs: what remains in every scope, usage
 * recorded outside a Breakwater task, prompt truncation, and ceiling changes. Reads and writes the
 * same shared Redis state the workers reserve from and settle to.
 */
import { randomUUID } from 'node:crypto';
import { microsToUsd, usdToMicros } from '../money';
import type { GuardScripts } from '../redis/guard-scripts';
import { usageCharge } from '../redis/script-arguments';
import type { ChatMessage, LlmRequest } from '../llm/request';
import type { Usage } from '../llm/response';
import { CallCosting, usageCostMicros } from './call-costing';
import type { PriceBook } from './pricing';
import { suggestTruncation, type TruncationSuggestion } from './truncation';
import type { BudgetSettings } from './types';

/** One budget scope as it stands. Money in micro-dollars, else tokens or calls. */
export interface ScopeStatus {
  scope: 'operation' | 'run' | 'daily' | 'turn_tokens' | 'turn_tool_calls';
  unit: 'micro_usd' | 'tokens' | 'calls';
  /** 0: no limit. */
  limit: number;
  spent: number;
  reserved: number;
  /** -1: unlimited. */
  remaining: number;
}

export interface BudgetCheck {
  /** Every scope has room (for `request`'s worst case, when one is given). */
  allowed: boolean;
  /** The least USD left in a money scope (run, daily; operation when a request is given); null: unlimited. */
  remainingUsd: number | null;
  scopes: ScopeStatus[];
  /** The scope that would refuse, when not allowed. */
  refusedBy?: string;
}

export interface BudgetSubject {
  runId?: string;
  turn?: string;
  operation?: string;
}

/** A ceiling an operator may change; `run` with a run id sets that run's own ceiling. */
export type CeilingField = 'run' | 'operation' | 'daily' | 'turnTokens' | 'turnCalls' | `operation:${string}`;

const MONEY_FIELDS = new Set(['run', 'operation', 'daily']);

export interface TokenManagerOptions {
  /** The connection's script calls (one per connection and key prefix). */
  scripts: GuardScripts;
  budget: BudgetSettings;
  prices: PriceBook;
}

export class TokenManager {
  private readonly scripts: GuardScripts;
  private readonly costing: CallCosting;

  constructor(private readonly options: TokenManagerOptions) {
    this.scripts = options.scripts;
    this.costing = new CallCosting(options.prices, options.budget);
  }

  /** Every scope of `subject` as it stands now. */
  async show(subject: BudgetSubject): Promise<{ scopes: ScopeStatus[]; overrides: Record<string, number> }> {
    const reply = (await this.scripts.budgetControl('show', this.options.budget.ceilings, {
      runId: subject.runId,
      turn: subject.runId ? subject.turn : undefined,
      operation: subject.operation,
    })) as { scopes: ScopeStatus[]; overrides: Record<string, number> | [] };
    return { scopes: reply.scopes, overrides: Array.isArray(reply.overrides) ? {} : reply.overrides };
  }

  /**
   * Whether `subject` has room: for `request`'s worst case (prompt tokens plus maximum output, at its
   * model's price) when given, else for anything at all. For display; admission decides atomically.
   */
  async assertWithinBudget(subject: BudgetSubject, request?: LlmRequest): Promise<BudgetCheck> {
    const { scopes } = await this.show(subject);
    const worst = request ? this.worstCase(request) : undefined;
    let refusedBy: string | undefined;
    for (const scope of scopes) {
      if (scope.limit <= 0) continue;
      const need =
        scope.unit === 'micro_usd'
          ? (worst?.micros ?? 0)
          : scope.unit === 'tokens'
            ? (worst?.tokens ?? 0)
            : 1;
      const fits = scope.scope === 'operation' ? need <= scope.limit : scope.remaining >= Math.max(need, 1);
      if (!fits && (scope.scope !== 'operation' || worst !== undefined)) {
        refusedBy = scope.scope;
        break;
      }
    }
    const money = scopes.filter(
      (scope) => scope.unit === 'micro_usd' && scope.limit > 0 && (scope.scope !== 'operation' || worst),
    );
    const remainingMicros = money.length
      ? Math.min(...money.map((scope) => (scope.scope === 'operation' ? scope.limit : scope.remaining)))
      : null;
    return {
      allowed: refusedBy === undefined,
      remainingUsd: remainingMicros === null ? null : microsToUsd(remainingMicros),
      scopes,
      ...(refusedBy ? { refusedBy } : {}),
    };
  }

  /**
   * Charges usage of a call made outside a Breakwater task to the run, turn and daily scopes (its
   * cached input at the cached price), and the tool calls its answer asked for (`toolCalls`) to the
   * turn's tool-call count. `usageId` makes it idempotent: recording the same id twice charges once.
   */
  async recordUsage(
    subject: BudgetSubject & {
      provider: string;
      model: string;
      usage: Usage;
      usageId?: string;
      toolCalls?: number;
    },
  ): Promise<{ charged: boolean; micros: number }> {
    const micros = usageCostMicros(this.options.prices, subject.provider, subject.model, subject.usage);
    if (micros === undefined) {
      throw new RangeError(
        `model: no price is known for '${subject.model}' of provider '${subject.provider}'`,
      );
    }
    const toolCalls = subject.toolCalls ?? 0;
    if (!Number.isSafeInteger(toolCalls) || toolCalls < 0) {
      throw new RangeError(`toolCalls: must be a non-negative integer (got ${toolCalls})`);
    }
    const usageId = subject.usageId ?? `usage/${randomUUID()}`;
    const result = await this.scripts.settle({
      provider: subject.provider,
      attemptId: usageId,
      workerId: 'token-manager',
      reservation: usageCharge(usageId, subject.runId, subject.runId ? subject.turn : undefined),
      actualMicros: micros,
      actualTokens: subject.usage.totalTokens,
      actualToolCalls: toolCalls,
      budgetTtlMs: this.options.budget.ttlMs,
    });
    return { charged: result.budgetSettled, micros };
  }

  /** Messages that fit in `limitTokens`: the system prompt and the latest turn always stay. */
  suggestTruncation(messages: readonly ChatMessage[], limitTokens: number): TruncationSuggestion {
    return suggestTruncation(messages, limitTokens);
  }

  /**
   * Changes a ceiling: money in USD, else a count; `null` goes back to the configured default. With
   * `runId`, field `run` sets that run's own ceiling.
   */
  async setCeiling(field: CeilingField, value: number | null, runId?: string): Promise<void> {
    if (runId !== undefined && field !== 'run')
      throw new RangeError(`field: only 'run' can be set for one run`);
    if (value !== null && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`value: must be a number >= 0 (got ${value})`);
    }
    const money = MONEY_FIELDS.has(field) || field.startsWith('operation:');
    const stored = value === null ? '' : String(money ? usdToMicros(value) : Math.round(value));
    await this.scripts.budgetControl('set', this.options.budget.ceilings, { runId, field, value: stored });
  }

  private worstCase(request: LlmRequest): { micros: number; tokens: number } {
    const { tokens, micros } = this.costing.estimate(request);
    if (micros === undefined) {
      throw new RangeError(
        `request.model: no price is known for '${request.model}' of provider '${request.provider}'`,
      );
    }
    return { micros, tokens };
  }
}
