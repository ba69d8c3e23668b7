/**
 * The prebuilt bundles of Breakwater's workflows, one without and one with the failure converter of
 * payload encryption: `npm run build` writes them beside the built workflows, so that a worker of
 * the built package loads one instead of bundling with webpack at start (1.5 s or more of CPU and
 * 80 MB or more of RSS that stays with the process).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import { ENCODED_FAILURE_CONVERTER_PATH } from '../codec';
import { UNDECRYPTABLE_INTERCEPTORS_PATH, WORKFLOWS_PATH } from './workflows-path';

/** Only the built package has one: beside `.ts` sources a worker bundles at start. */
const BUILT = extname(__filename) === '.js';
const WORKFLOWS_DIR = join(__dirname, '..', '..', 'workflows');

/** The bundle's code: Breakwater's workflows with the undecryptable-payload interceptors. */
export const PREBUILT_BUNDLE_PATH = join(WORKFLOWS_DIR, 'registered.bundle.js');

/** The same, with the failure converter of payload encryption, for workers that encrypt. */
export const PREBUILT_ENCRYPTION_BUNDLE_PATH = join(WORKFLOWS_DIR, 'registered.encryption.bundle.js');

/** The prebuilt bundle for each failure converter a worker may bundle. */
const BUNDLE_BY_FAILURE_CONVERTER = new Map<string | undefined, string>([
  [undefined, PREBUILT_BUNDLE_PATH],
  [ENCODED_FAILURE_CONVERTER_PATH, PREBUILT_ENCRYPTION_BUNDLE_PATH],
]);

/** What the bundle was built with: the `@temporalio/workflow` version whose code it carries. */
export const PREBUILT_BUNDLE_MANIFEST_PATH = join(WORKFLOWS_DIR, 'registered.bundle.json');

export interface PrebuiltBundleManifest {
  temporalioWorkflow: string;
}

/** The `@temporalio/workflow` version a bundle made here would carry. */
export function installedWorkflowVersion(): string {
  const requireHere = createRequire(WORKFLOWS_PATH);
  return (requireHere('@temporalio/workflow/package.json') as { version: string }).version;
}

/**
 * The prebuilt bundle at `codePath`, when the package was built with it and the `@temporalio/workflow`
 * installed beside it is the version it carries (another version's workflow runtime is not mixed
 * with this worker's); else undefined.
 */
export function prebuiltWorkflowBundle(codePath: string): { codePath: string } | undefined {
  if (!BUILT || !existsSync(codePath) || !existsSync(PREBUILT_BUNDLE_MANIFEST_PATH)) return undefined;
  const manifest = JSON.parse(readFileSync(PREBUILT_BUNDLE_MANIFEST_PATH, 'utf8')) as PrebuiltBundleManifest;
  if (manifest.temporalioWorkflow !== installedWorkflowVersion()) return undefined;
  return { codePath };
}

/**
 * `options` with a prebuilt bundle in place of bundling at start, when they would bundle exactly
 * what it holds: Breakwater's workflows with Breakwater's workflow interceptors alone, no bundler
 * options, no payload converter and no failure converter but encryption's. Anything else is
 * bundled at start, as before.
 */
export function withPrebuiltBundle(options: WorkerOptions): WorkerOptions {
  const modules = options.interceptors?.workflowModules ?? [];
  const codePath = BUNDLE_BY_FAILURE_CONVERTER.get(options.dataConverter?.failureConverterPath);
  const bundlesOurs =
    options.workflowBundle === undefined &&
    options.workflowsPath === WORKFLOWS_PATH &&
    options.bundlerOptions === undefined &&
    options.dataConverter?.payloadConverterPath === undefined &&
    modules.length === 1 &&
    modules[0] === UNDECRYPTABLE_INTERCEPTORS_PATH;
  const workflowBundle = bundlesOurs && codePath ? prebuiltWorkflowBundle(codePath) : undefined;
  if (workflowBundle === undefined) return options;
  const prebuilt: WorkerOptions = {
    ...options,
    workflowBundle,
    interceptors: { ...options.interceptors, workflowModules: [] },
  };
  delete prebuilt.workflowsPath;
  return prebuilt;
}
