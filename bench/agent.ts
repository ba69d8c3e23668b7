/**
 * Benchmark of a tool-using agent: `npm run -s bench:agent [-- --runs 20 --concurrency 4 --streams 10]`.
 *
 * It starts the embedded stack (Temporal dev server, redis-server, fake provider), stops it at the
 * end, and prints one JSON object on stdout (progress on stderr). One run, two measurements:
 *
 * 1. Throughput. The example agent (`workflows/examples/order-agent.ts`) answers a question in 5
 *    model calls: the fake provider's script has it call the `lookupOrder` tool (an activity) four
 *    times, then answer. `runs` agents run `concurrency` at a time through Breakwater (each model
 *    call a guarded `llmCall`: admit, call, settle, ledger), against the same agent loop whose model
 *    calls are a bare activity calling the same provider adapter (the baseline), on the same stack:
 *    half of the baseline before Breakwater's runs and half after, so both see the same drift.
 *    Reported: agent runs per second and p50 run latency of both, and `throughputRatio`
 *    (Breakwater / baseline).
 * 2. Time to first delta. `streams` streamed tasks, one at a time, read through
 *    `BreakwaterClient.stream`: from the submit, the time the first delta reached the application
 *    (`firstDeltaMs`) against the time the fake provider wrote its first event
 *    (`providerFirstByteMs`, the same process and clock), p50 of each; `firstDeltaOverheadMs` is
 *    the p50 of the difference.
 *
 * Targets (reported in `targets`, never enforced): `throughputRatio` ≥ 0.8, `firstDeltaOverheadMs` ≤ 50.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { orderActivities } from '../activities/examples/order-lookup';
import { BreakwaterClient } from '../src/client/breakwater-client';
import { LiveDeltas } from '../src/deltas/live-deltas';
import { mapConcurrent } from '../src/map-concurrent';
import { createLogger } from '../src/observability/logger';
import { percentile } from '../src/percentiles';
import type { FakeScenario } from '../src/testing/fake-provider';
import { FAKE_OPENAI } from '../src/testing/stack-config';
import { createWorker } from '../src/worker/create-worker';
import type { OrderAgentInput } from '../workflows/examples/order-agent';
import { bareWorker } from './bare-worker';
import { startComparisonStack } from './comparison-stack';
import { perSec, round, timed } from './measure';
import { benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('agent');

interface BenchOptions {
  runs: number;
  concurrency: number;
  streams: number;
}

/** Four tool calls, then the answer: five model calls per agent run. */
const AGENT_SCRIPT = [0, 1, 2, 3].map((toolResults) => ({
  toolResults,
  callTools: [{ name: 'lookupOrder', arguments: { orderId: `A-100${toolResults + 1}` } }],
}));
const ANSWER = 'Orders A-1001 to A-1004: two shipped, one processing, one delivered; details above.';
const STREAMED =
  'Streaming lets a person read the first words of an answer while the rest is still on its way.';

function parseOptions(args: string[]): BenchOptions {
  const { integer } = parseFlags(args, ['runs', 'concurrency', 'streams']);
  return {
    runs: integer('runs', 20),
    concurrency: integer('concurrency', 4),
    streams: integer('streams', 10),
  };
}

function question(index: number) {
  return { provider: FAKE_OPENAI, model: 'fake-model', question: `Where are my orders? (${index})` };
}

/** Runs `count` agents of `workflowType`, `concurrency` at a time; returns each run's latency. */
async function agents(
  temporal: Client,
  taskQueue: string,
  workflowType: string,
  inputs: readonly unknown[],
  concurrency: number,
): Promise<number[]> {
  return mapConcurrent(inputs, concurrency, async (input) => {
    const { ms } = await timed(() =>
      temporal.workflow.execute(workflowType, { taskQueue, workflowId: randomUUID(), args: [input] }),
    );
    return ms;
  });
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const { stack, tag, config, bundle } = await startComparisonStack('agent', cleanup);
  const fake = stack.fakeProvider!.scenario(tag).configure({
    script: [...AGENT_SCRIPT, { toolResults: 4, text: ANSWER }],
  });
  const logger = createLogger({ level: 'warn' });
  const breakwater = await createWorker(config, {
    logger,
    workflowBundle: bundle,
    activities: orderActivities,
  });
  const bareQueue = `${tag}-bare`;
  const bare = await bareWorker(config, bareQueue, bundle, cleanup, orderActivities);
  const connection = await Connection.connect({ address: config.temporal.address });
  cleanup.add(() => connection.close());
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const client = BreakwaterClient.fromClient({
    client: temporal,
    taskQueue: tag,
    policy: config.policy,
    taskDeadlineMs: config.taskDeadlineMs,
    liveDeltas: new LiveDeltas(config.redis),
  });
  const guarded = (index: number): OrderAgentInput => ({
    ...question(index),
    meta: {
      idempotencyKey: `${tag}-${index}`,
      runId: `${tag}-${index}`,
      operation: 'support',
      agent: 'bench',
      priority: 'normal',
    },
    policy: config.policy,
  });

  const measured = await breakwater.runUntil(
    bare.runUntil(async () => {
      log('warm-up: 2 agents each way');
      await agents(temporal, bareQueue, 'bareOrderAgent', [question(-1), question(-2)], 2);
      await agents(temporal, tag, 'orderAgent', [guarded(-1), guarded(-2)], 2);
      const half = Math.ceil(options.runs / 2);
      const indexes = Array.from({ length: options.runs }, (_, index) => index);
      log(`baseline, first half: ${half} agents, ${options.concurrency} at a time`);
      const bareBefore = await timed(() =>
        agents(
          temporal,
          bareQueue,
          'bareOrderAgent',
          indexes.slice(0, half).map(question),
          options.concurrency,
        ),
      );
      log(`breakwater: ${options.runs} agents`);
      const guardedRuns = await timed(() =>
        agents(temporal, tag, 'orderAgent', indexes.map(guarded), options.concurrency),
      );
      log(`baseline, second half: ${options.runs - half} agents`);
      const bareAfter = await timed(() =>
        agents(temporal, bareQueue, 'bareOrderAgent', indexes.slice(half).map(question), options.concurrency),
      );
      log(`streams: ${options.streams} streamed tasks, one at a time`);
      const streamed = await firstDeltas(client, fake, tag, options.streams);
      return { bareBefore, guardedRuns, bareAfter, streamed };
    }),
  );

  const { bareBefore, guardedRuns, bareAfter, streamed } = measured;
  const bareLatencies = [...bareBefore.value, ...bareAfter.value];
  const agentTasksPerSec = perSec(options.runs, guardedRuns.ms);
  const bareTasksPerSec = perSec(options.runs, bareBefore.ms + bareAfter.ms);
  const throughputRatio = round(agentTasksPerSec / bareTasksPerSec, 3);
  const firstDeltaOverheadMs = round(
    percentile(
      streamed.map((s) => s.firstDeltaMs - s.providerFirstByteMs),
      50,
    ),
  );
  return {
    benchmark: 'agent',
    machine: { node: process.version },
    runs: options.runs,
    concurrency: options.concurrency,
    modelCallsPerAgent: 5,
    providerCalls: fake.stats.received,
    agentTasksPerSec,
    bareTasksPerSec,
    throughputRatio,
    agentP50Ms: round(percentile(guardedRuns.value, 50)),
    bareP50Ms: round(percentile(bareLatencies, 50)),
    streams: options.streams,
    firstDeltaMs: round(
      percentile(
        streamed.map((s) => s.firstDeltaMs),
        50,
      ),
    ),
    providerFirstByteMs: round(
      percentile(
        streamed.map((s) => s.providerFirstByteMs),
        50,
      ),
    ),
    firstDeltaOverheadMs,
    targets: {
      throughputRatioAtLeast08: throughputRatio >= 0.8,
      firstDeltaWithin50Ms: firstDeltaOverheadMs <= 50,
    },
  };
}

/** `count` streamed tasks: for each, when its first delta reached the client and when the provider wrote its first event. */
async function firstDeltas(client: BreakwaterClient, fake: FakeScenario, tag: string, count: number) {
  fake.configure({ script: [{ text: STREAMED }], chunkDelayMs: 5 });
  const results: Array<{ firstDeltaMs: number; providerFirstByteMs: number }> = [];
  for (let index = 0; index < count; index++) {
    const key = `${tag}-stream-${index}`;
    const submittedAt = Date.now();
    await client.submit(
      {
        provider: FAKE_OPENAI,
        model: 'fake-model',
        messages: [{ role: 'user', content: `Stream ${index}` }],
        stream: true,
      },
      { idempotencyKey: key },
    );
    let firstDeltaAt: number | undefined;
    for await (const event of client.stream(key)) {
      if (event.type === 'delta' && firstDeltaAt === undefined) firstDeltaAt = Date.now();
    }
    const providerFirstByteAt = fake.stats.firstEventAt.at(-1)!;
    results.push({
      firstDeltaMs: firstDeltaAt! - submittedAt,
      providerFirstByteMs: providerFirstByteAt - submittedAt,
    });
  }
  return results;
}

runBenchmark(log, parseOptions, run);
