/** Whether a prebuilt workflow bundle holds Temporal's OpenTelemetry workflow interceptors. */
import { readFileSync } from 'node:fs';
import type { WorkflowBundleOption } from '@temporalio/worker';

/** The bundler names each module by its path: this one is in the code when the interceptors are. */
const TRACING_MODULE = 'interceptors-opentelemetry/lib/workflow-interceptors';

/** False when `bundle` lacks the tracing interceptors; true when it has them or cannot be read (the worker says why). */
export function bundleCarriesTracing(bundle: WorkflowBundleOption): boolean {
  try {
    const code = 'code' in bundle ? bundle.code : readFileSync(bundle.codePath, 'utf8');
    return code.includes(TRACING_MODULE);
  } catch {
    return true;
  }
}
