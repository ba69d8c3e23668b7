/** The failure a Breakwater task (or a guarded call) ends with: one builder, and its reader. */
import { ApplicationFailure } from '@temporalio/workflow';
import { TASK_FAILED_TYPE, type TaskFailureDetails } from '../src/task';

/** The `BreakwaterTaskFailed` failure of the task `key`, carrying `details`. */
export function taskFailure(details: TaskFailureDetails, key: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: TASK_FAILED_TYPE,
    nonRetryable: true,
    message: `task ${key} failed: ${details.reason}${details.errorType ? ` (${details.errorType})` : ''}`,
    details: [details],
  });
}

/** The failure details of a `BreakwaterTaskFailed` failure, or undefined for any other error. */
export function taskFailureDetailsOf(error: unknown): TaskFailureDetails | undefined {
  if (error instanceof ApplicationFailure && error.type === TASK_FAILED_TYPE) {
    return error.details?.[0] as TaskFailureDetails;
  }
  return undefined;
}
