/** What a prebuilt workflow bundle holds, read from its code: the bundler names each module by its path. */
import { readFileSync } from 'node:fs';
import type { WorkflowBundleOption } from '@temporalio/worker';

/** The module names that give away what a bundle was built with. */
const MODULE_OF = {
  /** Temporal's OpenTelemetry workflow interceptors (`bundleWorkflows(path, { tracing: true })`). */
  tracing: 'interceptors-opentelemetry/lib/workflow-interceptors',
  /** The failure converter of payload encryption (`bundleWorkflows(path, { encryption: true })`). */
  encryption: 'codec/encoded-failure-converter',
} as const;

/** False when `bundle` lacks the modules of `feature`; true when it has them or cannot be read (the worker says why). */
export function bundleCarries(bundle: WorkflowBundleOption, feature: keyof typeof MODULE_OF): boolean {
  try {
    const code = 'code' in bundle ? bundle.code : readFileSync(bundle.codePath, 'utf8');
    return code.includes(MODULE_OF[feature]);
  } catch {
    return true;
  }
}
