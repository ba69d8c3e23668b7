/**
 * The set-up the benches that compare Breakwater with bare Temporal share: the embedded stack with a
 * tag of its own (task queue and key prefix), no rate limit, a sticky cache that holds a burst, and
 * the bundle of `agent-workflows.ts`, which holds both sides' workflows.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BreakwaterConfig } from '../src/config';
import { startStack, type Stack } from '../src/testing/stack';
import { endpointsOf, stackConfig } from '../src/testing/stack-config';
import { bundleWorkflows } from '../src/worker/bundle-workflows';
import { benchDir, type Cleanup } from './runner';

/**
 * The sticky cache of both sides' workers: about Temporal's own default at a 4 GB heap (Breakwater's
 * default is 500), so that a burst of up to this many tasks runs without evictions on either side.
 */
const CACHED_WORKFLOWS = 2000;

export interface ComparisonStack {
  stack: Stack;
  /** The task queue and Redis key prefix of this run (`bench-<name>-<random>`). */
  tag: string;
  config: BreakwaterConfig;
  /** The bundle of both sides' workflows, written into the stack's directory. */
  bundle: { codePath: string };
}

/** Starts the stack for bench `name`, stopped by `cleanup`. */
export async function startComparisonStack(name: string, cleanup: Cleanup): Promise<ComparisonStack> {
  const stack = await startStack({ dir: benchDir(cleanup), ui: false, removeDirOnStop: false });
  cleanup.add(() => stack.stop());
  const tag = `bench-${name}-${randomUUID().slice(0, 8)}`;
  const config = stackConfig(endpointsOf(stack, tag), {
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_KEY_PREFIX: tag,
    RATE_LIMIT_RPM: '0',
    HTTP_PORT: '-1',
    LOG_LEVEL: 'warn',
    WORKER_MAX_CACHED_WORKFLOWS: String(CACHED_WORKFLOWS),
  });
  const { code } = await bundleWorkflows(join(__dirname, 'agent-workflows.ts'));
  const bundle = { codePath: join(stack.dir, `${name}-bundle.js`) };
  writeFileSync(bundle.codePath, code);
  return { stack, tag, config, bundle };
}
