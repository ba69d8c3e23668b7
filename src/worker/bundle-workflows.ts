/** `bundleWorkflows`: a prebuilt workflow bundle for a Breakwater worker, with the interceptors it needs. */
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  TRACING_INTERCEPTORS_PATH,
  UNDECRYPTABLE_INTERCEPTORS_PATH,
  WORKFLOWS_PATH,
} from '../plugin/workflows-path';

const ignore = () => undefined;
const quietLogger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * Bundles `workflowsPath` (default: Breakwater's own workflows) with the workflow interceptors of
 * `BreakwaterPlugin`, quietly unless `options.logger` is given. Pass the result as the worker's
 * `workflowBundle` to skip bundling at start-up. The tracing interceptors are always in: whether
 * tracing is on is known only when the worker starts (with it off, their spans are dropped).
 */
export function bundleWorkflows(
  workflowsPath: string = WORKFLOWS_PATH,
  options: Omit<BundleOptions, 'workflowsPath'> = {},
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    logger: quietLogger,
    ...options,
    workflowsPath,
    workflowInterceptorModules: [
      ...(options.workflowInterceptorModules ?? []),
      UNDECRYPTABLE_INTERCEPTORS_PATH,
      TRACING_INTERCEPTORS_PATH,
    ],
  });
}
