/**
 * How a guarded activity's (a tool's) outcome counts against its breaker: a success, a `failure`, or
 * not at all (`neutral`). By default every thrown error counts but a non-retryable
 * `ApplicationFailure` (the tool said no retry can help: bad input, not found) and a cancellation;
 * a tool's `failures` rule (`TOOL_GUARDS`) narrows it by error type.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ToolFailureRule } from '../config';

export type ToolOutcome = 'failure' | 'neutral';

/** The error's type: an `ApplicationFailure`'s `type`, else its name. */
function errorTypeOf(error: unknown): string {
  if (error instanceof ApplicationFailure && error.type) return error.type;
  return error instanceof Error ? error.name : typeof error;
}

/** How `error`, thrown by the tool, counts against its breaker under `rule`. */
export function toolOutcomeOf(rule: ToolFailureRule, error: unknown): ToolOutcome {
  if (error instanceof CancelledFailure) return 'neutral';
  const type = errorTypeOf(error);
  if (rule.ignoreErrorTypes.includes(type)) return 'neutral';
  if (rule.errorTypes) return rule.errorTypes.includes(type) ? 'failure' : 'neutral';
  return error instanceof ApplicationFailure && error.nonRetryable ? 'neutral' : 'failure';
}
