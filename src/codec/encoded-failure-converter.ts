/**
 * The failure converter of workers and clients with payload encryption on: a failure's message and
 * stack trace move into its encoded attributes, a payload the codec encrypts, and the failure itself
 * reads "Encoded failure". Loaded by path (`ENCODED_FAILURE_CONVERTER_PATH`), and bundled into the
 * workflow code too: no Node built-ins, no I/O.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
