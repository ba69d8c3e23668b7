import type { Client } from '@temporalio/client';
import type { Logger } from '../src/observability/logger';
import { TaskMessages, type AttemptFailedReport, type AttemptStartedReport } from '../src/task';

/**
 * Tells the task's workflow about attempts it cannot see: Temporal retries an activity without
 * waking the workflow, so the activity signals each retryable failure and each retry start.
 */
export class AttemptReporter {
  constructor(
    private readonly client: Client,
    private readonly execution: { workflowId: string; runId: string },
    private readonly logger: Logger,
  ) {}

  started(report: AttemptStartedReport): Promise<void> {
    return this.send(TaskMessages.attemptStartedSignal, report);
  }

  failed(report: AttemptFailedReport): Promise<void> {
    return this.send(TaskMessages.attemptFailedSignal, report);
  }

  private async send(signal: string, report: AttemptStartedReport | AttemptFailedReport): Promise<void> {
    try {
      await this.client.workflow
        .getHandle(this.execution.workflowId, this.execution.runId)
        .signal(signal, report);
    } catch (error) {
      // The ledger copes with a lost report (it infers the retry from the next attempt); the call must not fail for it.
      this.logger.warn(
        { workflowId: this.execution.workflowId, signal, err: error },
        'attempt report not delivered',
      );
    }
  }
}
