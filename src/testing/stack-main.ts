/** `npm run stack`: the embedded stack and a worker in the foreground, for local development. */
import { join } from 'node:path';
import { errorMessage } from '../error-message';
import { createLogger } from '../observability/logger';
import { createWorker } from '../worker/create-worker';
import { startStack, stopOnSignals } from './stack';
import { endpointsOf, FAKE_ANTHROPIC, FAKE_OPENAI, stackConfig } from './stack-config';
import { PROJECT_ROOT } from './toolchain';

async function main(): Promise<void> {
  const stack = await startStack({
    dir: join(PROJECT_ROOT, '.stack', 'dev'),
    ui: true,
    removeDirOnStop: false,
  });
  const config = stackConfig(endpointsOf(stack), { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' });
  const worker = await createWorker(config, { logger: createLogger({ level: config.log.level }) });
  stopOnSignals(stack, async () => worker.shutdown());
  const fake = stack.fakeProvider!;
  const cli = stack.temporal.cliPath ?? 'temporal';
  console.log(
    [
      '',
      'Breakwater dev stack is up (Ctrl-C stops everything).',
      '',
      `  Temporal Web UI    ${stack.temporal.uiUrl ?? '(off)'}`,
      `  Temporal address   ${stack.temporal.address}  (namespace ${stack.temporal.namespace})`,
      `  Redis              ${stack.redis.url}`,
      `  Worker             task queue '${config.temporal.taskQueue}', metrics ${worker.httpUrl}/metrics, health ${worker.httpUrl}/health`,
      `  Fake provider      ${fake.url}  (providers '${FAKE_OPENAI}' and '${FAKE_ANTHROPIC}')`,
      '',
      'Try:',
      `  ${cli} workflow list --address ${stack.temporal.address} --query "ExecutionStatus='Completed' AND TaskQueue='${config.temporal.taskQueue}'"`,
      `  curl -X POST ${fake.url}/_admin/s/default/faults -d '{"fault":{"kind":"status","status":503},"times":2}'`,
      `  curl ${fake.url}/_admin/s/default/stats`,
      '',
    ].join('\n'),
  );
  await worker.run();
}

main().catch((error: unknown) => {
  console.error(`stack failed: ${errorMessage(error)}`);
  process.exit(1);
});
