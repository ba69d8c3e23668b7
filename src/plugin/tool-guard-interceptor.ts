/**
 * Guards the activities `TOOL_GUARDS` names: admits each attempt before it runs (its cap per task,
 * its shared breaker, its shared rate limit) and settles it after, as success or, per the tool's
 * failure rule, failure or neither. A refusal fails the attempt, non-retryably, with the typed error
 * (`ToolCircuitOpenError`, `ToolRateLimitWaitError`, … carrying the tool and the wait) that
 * `guardedActivity` turns into a BLOCKED wait; the tool does not run. Any other activity passes
 * through untouched, without a Redis call. With a `tracer`, the admission and the settle are `admit`
 * and `settle` spans under the activity's, as a model call's are.
 */
import type { Tracer } from '@opentelemetry/api';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { isBreakwaterError, toApplicationFailure } from '../errors';
import type { ToolAdmission, ToolGuard } from '../guard/tool-guard';
import { toolOutcomeOf, type ToolOutcome } from '../guard/tool-outcome';
import { GUARD_SPAN_ATTRIBUTES as A, tracedAdmit, tracedSettle } from '../guard/traced-guard';
import { NO_TRACER } from '../observability/tracing';

/** The activity interceptor of `guard`'s tools. */
export function toolGuardInterceptor(
  guard: ToolGuard,
  tracer: Tracer = NO_TRACER,
): ActivityInterceptorsFactory {
  return ({ info }) => {
    const tool = info.activityType;
    const settings = guard.guardOf(tool);
    if (!settings) return {};
    const workflowId = info.workflowExecution?.workflowId ?? '';
    const runId = info.workflowExecution?.runId ?? '';
    const attemptId = `${workflowId}/${runId}/${info.activityId}/${info.attempt}`;
    const admit = () =>
      tracedAdmit(tracer, { [A.tool]: tool }, () =>
        guard.admit({ tool, attemptId, workflowId, context: { operation: tool, attempt: info.attempt } }),
      );
    const settle = (admission: ToolAdmission, outcome: ToolOutcome | 'success') =>
      tracedSettle(tracer, { [A.tool]: tool, [A.outcome]: outcome }, () => guard.settle(admission, outcome));
    return {
      inbound: {
        async execute(input, next) {
          let admission;
          try {
            admission = await admit();
          } catch (error) {
            throw isBreakwaterError(error) ? toApplicationFailure(error) : error;
          }
          let result: unknown;
          try {
            result = await next(input);
          } catch (error) {
            await settle(admission, toolOutcomeOf(settings.failures, error));
            throw error;
          }
          await settle(admission, 'success');
          return result;
        },
      },
    };
  };
}
