/**
 * Benchmark of a guarded tool: `npm run -s bench:tools [-- --calls 400 --concurrency 8 --tool-ms 5]`.
 *
 * It starts the embedded stack (Temporal dev server, redis-server), stops it at the end, and prints
 * one JSON object on stdout (progress on stderr). One worker runs the same tool (an activity that
 * takes `tool-ms`) under two activity types: `guardedTool`, which `TOOL_GUARDS` names (breaker, rate
 * limit and cap per task: one admit and one settle round trip per call), and `plainTool`, which it
 * does not (the baseline). A workflow calls each `calls` times, `concurrency` at a time: half of the
 * baseline's calls before the guarded ones and half after, so both see the same drift.
 *
 * Reported: `guardedPerSec`, `unguardedPerSec` (tool calls per second) and `ratio` (guarded /
 * unguarded). Target (reported in `targets`, never enforced): `ratio` ≥ 0.9.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '../src/observability/logger';
import { startStack } from '../src/testing/stack';
import { endpointsOf, stackConfig } from '../src/testing/stack-config';
import { bundleWorkflows } from '../src/worker/bundle-workflows';
import { createWorker } from '../src/worker/create-worker';
import type { toolBatch } from './tool-workflows';
import { perSec, round, timed } from './measure';
import { benchDir, benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('tools');

interface BenchOptions {
  calls: number;
  concurrency: number;
  toolMs: number;
}

function parseOptions(args: string[]): BenchOptions {
  const { integer, number } = parseFlags(args, ['calls', 'concurrency', 'tool-ms']);
  return {
    calls: integer('calls', 400),
    concurrency: integer('concurrency', 8),
    toolMs: number('tool-ms', 5, (value) => Number.isFinite(value) && value >= 0, 'must be a number >= 0'),
  };
}

/** Every call passes: the guard's whole path (cap, breaker, rate limit) runs, and nothing refuses. */
const TOOL_GUARDS = {
  guardedTool: {
    rateLimit: { maxCallsPerMinute: 1_000_000, burstSize: 100_000 },
    maxCallsPerTask: 1_000_000,
  },
};

async function run(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack({
    dir: benchDir(cleanup),
    ui: false,
    removeDirOnStop: false,
    fakeProvider: false,
  });
  cleanup.add(() => stack.stop());
  const tag = `bench-tools-${randomUUID().slice(0, 8)}`;
  const config = stackConfig(endpointsOf(stack, tag), {
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_KEY_PREFIX: tag,
    HTTP_PORT: '-1',
    LOG_LEVEL: 'warn',
    TOOL_GUARDS: JSON.stringify(TOOL_GUARDS),
  });
  const { code } = await bundleWorkflows(join(__dirname, 'tool-workflows.ts'));
  const codePath = join(stack.dir, 'tools-bundle.js');
  writeFileSync(codePath, code);
  const tool = async (index: number) => {
    if (options.toolMs > 0) await sleep(options.toolMs);
    return index;
  };
  const worker = await createWorker(config, {
    logger: createLogger({ level: 'warn' }),
    workflowBundle: { codePath },
    activities: { guardedTool: tool, plainTool: tool },
  });
  const connection = await Connection.connect({ address: config.temporal.address });
  cleanup.add(() => connection.close());
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const batch = (name: string, calls: number, concurrency = options.concurrency) =>
    timed(() =>
      temporal.workflow.execute<typeof toolBatch>('toolBatch', {
        taskQueue: tag,
        workflowId: `${tag}-${name}-${randomUUID().slice(0, 8)}`,
        args: [{ tool: name, calls, concurrency }],
      }),
    );

  const measured = await worker.runUntil(async () => {
    log('warm-up: 50 calls each way');
    await batch('plainTool', 50);
    // A new breaker admits no more calls at once than it takes to open it, until its first success.
    await batch('guardedTool', 1, 1);
    await batch('guardedTool', 50);
    const half = Math.ceil(options.calls / 2);
    log(`unguarded, first half: ${half} calls, ${options.concurrency} at a time`);
    const before = await batch('plainTool', half);
    log(`guarded: ${options.calls} calls`);
    const guarded = await batch('guardedTool', options.calls);
    log(`unguarded, second half: ${options.calls - half} calls`);
    const after = await batch('plainTool', options.calls - half);
    return { before, guarded, after };
  });

  const guardedPerSec = perSec(options.calls, measured.guarded.ms, 1);
  const unguardedPerSec = perSec(options.calls, measured.before.ms + measured.after.ms, 1);
  const ratio = round(guardedPerSec / unguardedPerSec, 3);
  return {
    benchmark: 'tools',
    machine: { node: process.version },
    calls: options.calls,
    concurrency: options.concurrency,
    toolMs: options.toolMs,
    guardedPerSec,
    unguardedPerSec,
    ratio,
    targets: { ratioAtLeast09: ratio >= 0.9 },
  };
}

runBenchmark(log, parseOptions, run);
