/** Starts one embedded stack for the integration suites and bundles the workflow code once. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startStack, type Stack } from '../../src/testing/stack';
import { bundleWorkflows } from '../../src/worker/bundle-workflows';

export interface StackInfo {
  temporalAddress: string;
  namespace: string;
  redisUrl: string;
  temporalCli: string;
  /** The dev server's Prometheus endpoint. */
  temporalMetricsUrl?: string;
  workflowBundlePath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

let stack: Stack | undefined;

export async function setup(project: TestProject): Promise<void> {
  stack = await startStack({ ui: false, fakeProvider: false });
  const bundle = await bundleWorkflows();
  const workflowBundlePath = join(stack.dir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  project.provide('stack', {
    temporalAddress: stack.temporal.address,
    namespace: stack.temporal.namespace,
    redisUrl: stack.redis.url,
    temporalCli: stack.temporal.cliPath ?? 'temporal',
    temporalMetricsUrl: stack.temporal.metricsUrl,
    workflowBundlePath,
  });
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
