/**
 * `npm run build`'s last step: bundles Breakwater's workflows once, beside the built workflows, so
 * that a worker of the built package starts without webpack (see `plugin/prebuilt-bundle.ts`).
 */
import { writeFileSync } from 'node:fs';
import { errorMessage } from '../error-message';
import {
  installedWorkflowVersion,
  PREBUILT_BUNDLE_MANIFEST_PATH,
  PREBUILT_BUNDLE_PATH,
  type PrebuiltBundleManifest,
} from '../plugin/prebuilt-bundle';
import { bundleWorkflows } from './bundle-workflows';

async function main(): Promise<void> {
  const { code } = await bundleWorkflows();
  writeFileSync(PREBUILT_BUNDLE_PATH, code);
  const manifest: PrebuiltBundleManifest = { temporalioWorkflow: installedWorkflowVersion() };
  writeFileSync(PREBUILT_BUNDLE_MANIFEST_PATH, `${JSON.stringify(manifest)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`breakwater: workflow bundle failed: ${errorMessage(error)}\n`);
  process.exit(1);
});
