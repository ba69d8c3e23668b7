/** Where the dlq commands find entries: the store, and the `<jobId>` argument that names one. */
import { DlqStore } from '../../dlq/dlq-store';
import { parseClientName } from '../arguments';
import type { CliContext } from '../context';

/** How help describes `<jobId>`. */
export const JOB_ID_DESCRIPTION = "the job's id: the task's idempotency key";

/** Checks a job id as the client checks an idempotency key (`options.idempotencyKey`). */
export function parseJobId(value: string): string {
  return parseClientName(value, 'idempotencyKey', '<jobId>');
}

/** The dead-letter store on the context's Redis. */
export async function storeOf(context: CliContext): Promise<DlqStore> {
  return new DlqStore(await context.redis(), context.keys, context.config.dlq, context.config.encryption);
}
