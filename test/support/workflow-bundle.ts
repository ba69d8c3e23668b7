/** A workflow bundle built once per test file, for workers that run an application's own workflows. */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';
import { bundleWorkflows, type BundleWorkflowsOptions } from '../../src/worker/bundle-workflows';

/** Bundles `workflowsPath` into a file beside the stack's own bundle; returns the file and the code. */
export async function workflowBundleOf(
  workflowsPath: string,
  options: BundleWorkflowsOptions = {},
): Promise<{ codePath: string; code: string }> {
  const { code } = await bundleWorkflows(workflowsPath, options);
  const codePath = join(dirname(inject('stack').workflowBundlePath), `bundle-${randomUUID()}.js`);
  writeFileSync(codePath, code);
  return { codePath, code };
}
