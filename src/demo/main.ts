/**
 * `npm run demo`: the main job on the embedded stack. Submits a mixed workload of LLM tasks from
 * application code against the fake provider with injected faults, shows progress, and ends with
 * a summary. `--keep` leaves the stack and its worker up for the Web UI and the `temporal` CLI.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import pino from 'pino';
import { orderActivities } from '../../activities/examples/order-lookup';
import { BreakwaterClient, TaskFailedError } from '../client/breakwater-client';
import { errorMessage } from '../error-message';
import { isNonRetryableInputError } from '../errors';
import type { BreakwaterConfig } from '../config';
import { DlqStore } from '../dlq/dlq-store';
import { createLogger } from '../observability/logger';
import { createRedis, waitUntilReady } from '../redis/connection';
import { KeySpace } from '../redis/keys';
import { countTasksByState, taskCountQuery } from '../status/task-queries';
import { startStack, stopOnSignals } from '../testing/stack';
import { endpointsOf, stackConfig } from '../testing/stack-config';
import { PROJECT_ROOT } from '../testing/toolchain';
import { createWorker } from '../worker/create-worker';
import { agentAndStream, scriptAgentAndStream } from './agent-and-stream';
import { formatSummary, type TaskOutcome } from './report';
import { demoWorkload, injectDemoFaults, type DemoTask } from './workload';

interface Args {
  keep: boolean;
  tasks: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { keep: false, tasks: 120 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') args.keep = true;
    else if (arg === '--tasks') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 10_000)
        throw new Error('--tasks: must be an integer from 1 to 10000');
      args.tasks = value;
    } else throw new Error(`unknown argument '${arg}' (expected --keep or --tasks N)`);
  }
  return args;
}

/** Demo policy: the product's defaults, with shorter backoff so the run takes seconds, not minutes. */
const DEMO_ENV: Record<string, string> = {
  RETRY_INITIAL_INTERVAL_MS: '200',
  RETRY_MAXIMUM_INTERVAL_MS: '2000',
  LLM_CALL_TIMEOUT_MS: '5000',
  ACTIVITY_HEARTBEAT_TIMEOUT_MS: '3000',
  TASK_DEADLINE_MS: '120000',
  RATE_LIMIT_RPM: '6000',
  RATE_LIMIT_BURST: '200',
  LOG_LEVEL: 'info',
};

class Progress {
  private lastPrint = 0;
  private readonly tty = Boolean(process.stdout.isTTY);

  show(done: number, total: number, states: string): void {
    const now = Date.now();
    if (!this.tty && now - this.lastPrint < 3000 && done < total) return;
    this.lastPrint = now;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} finished  ${states}`;
    process.stdout.write(this.tty ? `\r${line.padEnd(110)}` : `${line}\n`);
  }

  end(): void {
    if (this.tty) process.stdout.write('\n');
  }
}

async function runTask(client: BreakwaterClient, task: DemoTask): Promise<TaskOutcome> {
  const base = {
    key: task.options.idempotencyKey,
    expected: task.expect,
    promptTokens: 0,
    completionTokens: 0,
  };
  const startedAt = Date.now();
  try {
    await client.submit(task.request, task.options);
  } catch (error) {
    if (isNonRetryableInputError(error))
      return { ...base, state: 'refused', reason: error.field, attempts: 0 };
    throw error;
  }
  try {
    const result = await client.result(task.options.idempotencyKey);
    return {
      ...base,
      state: 'DONE',
      attempts: result.attempts,
      promptTokens: result.response.usage.promptTokens,
      completionTokens: result.response.usage.completionTokens,
      latencyMs: Date.now() - startedAt,
    };
  } catch (error) {
    if (!(error instanceof TaskFailedError)) throw error;
    return {
      ...base,
      state: 'FAILED',
      reason: error.reason,
      attempts: error.ledger?.attempts ?? 0,
      latencyMs: Date.now() - startedAt,
    };
  }
}

/** What the failed tasks left in the dead-letter queue. */
async function dlqSummary(redisUrl: string, config: BreakwaterConfig): Promise<string> {
  const redis = createRedis({ url: redisUrl, commandTimeoutMs: 5000 });
  try {
    await waitUntilReady(redis);
    const stats = await new DlqStore(
      redis,
      new KeySpace(config.redis.keyPrefix),
      config.dlq,
      config.encryption,
    ).stats();
    const reasons = Object.entries(stats.byReason)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    return `dead-letter queue: ${stats.depth} in ai:dlq${reasons ? ` (${reasons})` : ''}, ${stats.deadDepth} in ai:dead (input errors no replay can fix)`;
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runTag = `demo-${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  const dir = args.keep ? join(PROJECT_ROOT, '.stack', runTag) : undefined;
  if (dir) mkdirSync(dir, { recursive: true });

  console.log(
    `Breakwater demo: ${args.tasks} LLM tasks on an embedded Temporal dev server, Redis and a fake provider`,
  );
  const stack = await startStack({ dir, ui: true, removeDirOnStop: !args.keep });
  const config = stackConfig(endpointsOf(stack), DEMO_ENV);
  const logFile = join(stack.dir, 'worker.log');
  const logger = createLogger({
    level: 'info',
    destination: pino.destination({ dest: logFile, sync: false }),
  });
  const worker = await createWorker(config, {
    logger,
    workflowsPath: join(__dirname, 'workflows.ts'),
    activities: orderActivities,
  });
  const workerRun = worker.run();
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    worker.shutdown();
    await workerRun.catch(() => undefined);
  };
  stopOnSignals(stack, shutdown);
  const client = await BreakwaterClient.connect(config);
  const fake = stack.fakeProvider!.scenario();
  injectDemoFaults(fake);

  console.log(`stack up in ${stack.dir} (worker log: ${logFile})`);
  console.log('faults: ~8% 503, ~5% 429 with Retry-After, ~3% reset connections, ~10% slow calls,');
  console.log(
    '        a few prompts the provider rejects (400), a few that always fail (503), a few invalid submits\n',
  );

  const workload = demoWorkload(runTag, args.tasks);
  const startedAt = Date.now();
  let finished = 0;
  const runs = workload.map((task) =>
    runTask(client, task).finally(() => {
      finished += 1;
    }),
  );
  const progress = new Progress();
  const all = Promise.all(runs);
  let settled = false;
  void all.finally(() => (settled = true)).catch(() => undefined);
  while (!settled) {
    const counts = await countTasksByState(client.temporal, config.temporal.taskQueue).catch(() => ({}));
    progress.show(
      finished,
      workload.length,
      Object.entries(counts)
        .map(([state, count]) => `${state} ${count}`)
        .join(' · '),
    );
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 500))]).catch(() => undefined);
  }
  const outcomes = await all;
  progress.show(finished, workload.length, 'all tasks finished');
  progress.end();
  const wallMs = Date.now() - startedAt;

  // Idempotency, shown: submitting finished tasks again returns them and executes nothing.
  const callsBefore = fake.stats.received;
  const done = workload.filter((_, index) => outcomes[index]?.state === 'DONE').slice(0, 10);
  await Promise.all(done.map((task) => client.execute(task.request, task.options)));
  const summary = {
    outcomes,
    wallMs,
    providerCalls: callsBefore,
    duplicateSubmits: done.length,
    duplicateExecutions: fake.stats.received - callsBefore,
  };
  console.log(`\n${formatSummary(summary)}\n`);
  console.log(`${await dlqSummary(stack.redis.url, config)}\n`);
  fake.reset();
  scriptAgentAndStream(fake);
  for (const line of await agentAndStream(client, config, runTag)) console.log(line);
  console.log('');

  const cli = stack.temporal.cliPath
    ? relative(process.cwd(), stack.temporal.cliPath) || stack.temporal.cliPath
    : 'temporal';
  console.log('Look at the same tasks:');
  console.log(
    `  Web UI:  ${stack.temporal.uiUrl ?? '(off)'}/namespaces/${stack.temporal.namespace}/workflows`,
  );
  console.log(
    `  CLI:     ${cli} workflow list --address ${stack.temporal.address} --query "${taskCountQuery(config.temporal.taskQueue, 'DONE')}"`,
  );
  console.log(
    `           ${cli} workflow list --address ${stack.temporal.address} --query "LedgerState='FAILED'"`,
  );
  console.log(
    `           ${cli} workflow describe --address ${stack.temporal.address} -w bw-task-${workload[0]!.options.idempotencyKey}`,
  );
  const operatorEnv =
    `REDIS_URL=${stack.redis.url} REDIS_KEY_PREFIX=${config.redis.keyPrefix} ` +
    `TEMPORAL_ADDRESS=${stack.temporal.address} TEMPORAL_TASK_QUEUE=${config.temporal.taskQueue}`;
  console.log(`  Status:  ${worker.httpUrl}/status  (JSON: what breakwater status prints)`);
  console.log(`           ${worker.httpUrl}/health  ${worker.httpUrl}/metrics`);
  console.log(`           ${operatorEnv} npm run -s breakwater -- status --watch`);
  console.log(`  DLQ:     ${operatorEnv} npm run -s breakwater -- dlq list`);
  console.log(
    `           ${operatorEnv} npm run -s breakwater -- dlq replay --all --reason retries_exhausted`,
  );

  await client.close();
  if (args.keep) {
    console.log('\n--keep: the stack and its worker stay up. Ctrl-C stops everything.');
    await workerRun;
    return;
  }
  console.log(
    '\n(the stack is stopped now; run `npm run demo -- --keep` to keep it up for the commands above)',
  );
  await shutdown();
  await stack.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`demo failed: ${errorMessage(error)}`);
    process.exit(1);
  },
);
