/**
 * Fails an activity, non-retryably, when one of its arguments did not decrypt: the worker's codec
 * leaves a marker in its place (`src/codec/undecryptable.ts`). The SDK would make a codec's own
 * error retryable, so a worker missing a key would retry the activity until its attempts ran out.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { throwIfUndecryptable } from '../codec/undecryptable';

export const undecryptableActivityInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      throwIfUndecryptable(input.args);
      return next(input);
    },
  },
});
