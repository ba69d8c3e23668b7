#!/usr/bin/env node
/** `npm start`: a worker against TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and REDIS_URL from the environment. */
import { ConfigError, loadConfig } from '../config';
import { errorMessage } from '../error-message';
import { createLogger } from '../observability/logger';
import { createWorker } from './create-worker';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`breakwater: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.log.level });
  const worker = await createWorker(config, { logger });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down: finishing in-flight calls');
      worker.shutdown();
    });
  }
  await worker.run();
  logger.info('worker stopped');
  logger.flush();
}

main().catch((error: unknown) => {
  process.stderr.write(`breakwater: worker failed: ${errorMessage(error)}\n`);
  process.exit(1);
});
