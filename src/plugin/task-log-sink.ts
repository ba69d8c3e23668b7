/** Where Breakwater's workflows log: Breakwater's redacting logger, not the Runtime's. */
import type { InjectedSinks } from '@temporalio/worker';
import type { Logger } from '../observability/logger';
import type { TaskLogSinks } from '../task';

/**
 * The `breakwaterLog` sink, writing to the logger `logger()` returns (read at the first call: a
 * replay worker never calls it), with the workflow's identity beside each entry's fields.
 */
export function taskLogSinks(logger: () => Logger): InjectedSinks<TaskLogSinks> {
  return {
    breakwaterLog: {
      info: {
        fn: (info, message, fields) =>
          logger().info(
            {
              ...fields,
              namespace: info.namespace,
              taskQueue: info.taskQueue,
              workflowId: info.workflowId,
              runId: info.runId,
              workflowType: info.workflowType,
            },
            message,
          ),
      },
    },
  };
}
