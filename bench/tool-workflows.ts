/** The workflow of `bench:tools`: a batch of tool calls (activities), `concurrency` at a time. */
import { proxyActivities } from '@temporalio/workflow';

export interface ToolBatchInput {
  tool: string;
  calls: number;
  concurrency: number;
}

/** Calls activity `tool` `calls` times, `concurrency` at a time; returns the calls made. */
export async function toolBatch(input: ToolBatchInput): Promise<number> {
  const tools = proxyActivities({ startToCloseTimeout: '30 seconds' });
  let next = 0;
  const lane = async () => {
    while (next < input.calls) {
      const index = next++;
      await tools[input.tool]!(index);
    }
  };
  await Promise.all(Array.from({ length: input.concurrency }, lane));
  return input.calls;
}
