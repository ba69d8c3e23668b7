/** `bundleWorkflows`: a prebuilt workflow bundle for a Breakwater worker, with the interceptors it needs. */
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ENCODED_FAILURE_CONVERTER_PATH } from '../codec';
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
  /**
   * Bundle the failure converter of payload encryption too, for workers with
   * `BREAKWATER_ENCRYPTION_KEYS` set; default false. Without it, the failures the workflows raise
   * keep their messages and stack traces in plaintext in the history.
   */
  encryption?: boolean;
}

/**
 * Bundles `workflowsPath` (default: Breakwater's own workflows) with the workflow interceptors of
 * `BreakwaterPlugin`, quietly unless `options.logger` is given. Pass the result as the worker's
 * `workflowBundle` to skip bundling at start-up.
 */
export function bundleWorkflows(
  workflowsPath: string = WORKFLOWS_PATH,
  { tracing = false, encryption = false, ...options }: BundleWorkflowsOptions = {},
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    logger: quietLogger,
    ...(encryption ? { failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH } : {}),
    ...options,
    workflowsPath,
    workflowInterceptorModules: [
      ...(options.workflowInterceptorModules ?? []),
      UNDECRYPTABLE_INTERCEPTORS_PATH,
      ...(tracing ? [TRACING_INTERCEPTORS_PATH] : []),
    ],
  });
}
