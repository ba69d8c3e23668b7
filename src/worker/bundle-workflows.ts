/** `bundleWorkflows`: a prebuilt workflow bundle for a Breakwater worker, with the interceptors it needs. */
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  TRACING_INTERCEPTORS_PATH,
  UNDECRYPTABLE_INTERCEPTORS_PATH,
  WORKFLOWS_PATH,
} from '../plugin/workflows-path';

const ignore = () => undefined;
const quietLogger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

export interface BundleWorkflowsOptions extends Omit<BundleOptions, 'workflowsPath'> {
  /**
   * Bundle Temporal's OpenTelemetry workflow interceptors too, for workers that trace
   * (`OTEL_EXPORTER_OTLP_ENDPOINT`); default false. They double the bundle's size, and are not a
   * no-op: with tracing off they still make every workflow's spans, only for the worker to drop them.
   */
  tracing?: boolean;
}

/**
 * Bundles `workflowsPath` (default: Breakwater's own workflows) with the workflow interceptors of
 * `BreakwaterPlugin`, quietly unless `options.logger` is given. Pass the result as the worker's
 * `workflowBundle` to skip bundling at start-up.
 */
export function bundleWorkflows(
  workflowsPath: string = WORKFLOWS_PATH,
  { tracing = false, ...options }: BundleWorkflowsOptions = {},
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    logger: quietLogger,
    ...options,
    workflowsPath,
    workflowInterceptorModules: [
      ...(options.workflowInterceptorModules ?? []),
      UNDECRYPTABLE_INTERCEPTORS_PATH,
      ...(tracing ? [TRACING_INTERCEPTORS_PATH] : []),
    ],
  });
}
