/**
 * `npm start` (src/worker/main.ts) as a child process: configuration errors, a task end to end,
 * graceful SIGTERM, and logs that are JSON lines without prompt text.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { BreakwaterClient } from '../../src/client/breakwater-client';
import { loadConfig } from '../../src/config';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { killRunning, type Started } from '../support/cli';
import { chat, startFakeProvider, uniqueName } from '../support/harness';
import { mainEnv, startMain, untilHealthy } from '../support/worker-main';

/** Resolves with the exit, or rejects when the process is still running after `ms`. */
async function exitWithin(process: Started, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([process.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

afterEach(() => {
  // A test that failed half-way leaves no worker behind: the whole group (tsx and its node child) goes.
  killRunning();
});

describe('worker main: configuration errors', () => {
  it.each([
    [{ REDIS_URL: 'http://nope' }, 'REDIS_URL'],
    [{ RETRY_MAXIMUM_ATTEMPTS: 'zero' }, 'RETRY_MAXIMUM_ATTEMPTS'],
    [{ BREAKWATER_ENCRYPTION: 'required' }, 'BREAKWATER_ENCRYPTION_KEYS'],
  ])('refuses %j with exit code 2 naming %s', async (env, variable) => {
    const main = startMain(env);
    const { code } = await exitWithin(main, 15_000);
    const { stderr } = main.output();
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(`invalid configuration: ${variable}:`);
  });
});

describe('worker main: against the stack', () => {
  let fakeProvider: FakeProvider;
  beforeAll(async () => {
    fakeProvider = await startFakeProvider();
  });
  afterAll(async () => {
    await fakeProvider?.stop();
  });

  it('runs a task, stops on SIGTERM with code 0 and logs JSON without prompt text', async () => {
    const stack = inject('stack');
    const name = uniqueName('main');
    const fake = fakeProvider.scenario(name);
    const { env, port } = await mainEnv(name, fake, { LOG_LEVEL: 'debug' });
    const main = startMain(env);
    await untilHealthy(main, port);

    const marker = `marker-${randomUUID()}`;
    const email = `${randomUUID().slice(0, 8)}@example.com`;
    const config = loadConfig(env);
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const client = BreakwaterClient.fromClient({
        client: new Client({ connection, namespace: stack.namespace }),
        taskQueue: config.temporal.taskQueue,
        policy: config.policy,
        taskDeadlineMs: config.taskDeadlineMs,
      });
      const result = await client.execute(chat(`summarise ${marker} and reply to ${email}`), {
        idempotencyKey: name,
      });
      expect(result.ledger.state).toBe('DONE');
      expect(result.response.provider).toBe('fake');
    } finally {
      await connection.close();
    }
    expect(fake.stats.succeeded).toBe(1);

    const sentAt = Date.now();
    main.child.kill('SIGTERM');
    const { code, signal } = await exitWithin(main, 15_000);
    const { stdout, stderr } = main.output();
    expect({ code, signal }, stderr).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(15_000);

    const lines = `${stdout}\n${stderr}`.split('\n').filter((line) => line.trim() !== '');
    const records = lines.map((line) => {
      try {
        return JSON.parse(line) as { level?: unknown; msg?: unknown; name?: unknown };
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
    for (const record of records) {
      expect(record).toMatchObject({ level: expect.any(String), name: 'breakwater' });
    }
    const messages = records.map((record) => record.msg);
    expect(messages).toContain('worker created');
    expect(messages).toContain('shutting down: finishing in-flight calls');
    expect(messages).toContain('worker stopped');

    const output = stdout + stderr;
    expect(output).not.toContain(marker);
    expect(output).not.toContain(email);
  });
});
