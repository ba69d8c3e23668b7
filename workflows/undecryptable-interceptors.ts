/**
 * Workflow interceptors that fail the workflow (not its workflow task, which Temporal would retry
 * for ever) when its input, a signal, an update or an activity's result did not decrypt. The worker
 * of `BreakwaterPlugin` bundles them; add this module to `bundleWorkflowCode`'s
 * `workflowInterceptorModules` when you bundle the workflows yourself.
 */
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { throwIfUndecryptable } from '../src/codec/undecryptable';

async function checked<T>(result: Promise<T>): Promise<T> {
  const value = await result;
  throwIfUndecryptable([value]);
  return value;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        throwIfUndecryptable(input.args);
        return next(input);
      },
      async handleSignal(input, next) {
        throwIfUndecryptable(input.args);
        return next(input);
      },
      async handleUpdate(input, next) {
        throwIfUndecryptable(input.args);
        return next(input);
      },
    },
  ],
  outbound: [
    {
      scheduleActivity: (input, next) => checked(next(input)),
      scheduleLocalActivity: (input, next) => checked(next(input)),
    },
  ],
});
