/** The `NonRetryableInputError` that `run` throws; fails the test when it accepts its input. */
import { NonRetryableInputError } from '../../src/errors';

export function inputRefusal(run: () => unknown): NonRetryableInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof NonRetryableInputError) return error;
    throw error;
  }
  throw new Error('the input was accepted');
}
