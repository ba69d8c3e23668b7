/**
 * `npm run build`'s last step: bundles Breakwater's workflows beside the built workflows, without and
 * with the failure converter of payload encryption, so that a worker of the built package starts
 * without webpack either way (see `plugin/prebuilt-bundle.ts`).
 */
import { writeFileSync } from 'node:fs';
import { errorMessage } from '../error-message';
import {
  installedWorkflowVersion,
  PREBUILT_BUNDLE_MANIFEST_PATH,
  PREBUILT_BUNDLE_PATH,
  PREBUILT_ENCRYPTION_BUNDLE_PATH,
  type PrebuiltBundleManifest,
} from '../plugin/prebuilt-bundle';
import { bundleWorkflows } from './bundle-workflows';

async function main(): Promise<void> {
  for (const [path, encryption] of [
    [PREBUILT_BUNDLE_PATH, false],
    [PREBUILT_ENCRYPTION_BUNDLE_PATH, true],
  ] as const) {
    const { code } = await bundleWorkflows(undefined, { encryption });
    writeFileSync(path, code);
  }
  const manifest: PrebuiltBundleManifest = { temporalioWorkflow: installedWorkflowVersion() };
  writeFileSync(PREBUILT_BUNDLE_MANIFEST_PATH, `${JSON.stringify(manifest)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`breakwater: workflow bundle failed: ${errorMessage(error)}\n`);
  process.exit(1);
});
