/** Prompts and answers reach Temporal only encrypted: its history and its database hold no secret. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { BreakwaterClient } from '../../src/client/breakwater-client';
import { taskWorkflowId } from '../../src/client/workflow-id';
import { withEncryption } from '../../src/codec';
import type { FakeProvider } from '../../src/testing/fake-provider';
import {
  encodedMessagesOf,
  failuresOf,
  leakedSecrets,
  newRun,
  secretsOf,
  temporalDatabaseText,
  workflowShow,
} from '../support/history-at-rest';
import { killRunning, start, TSX } from '../support/cli';
import {
  chat,
  createHarness,
  eventually,
  failureOf,
  logCapture,
  startFakeProvider,
  type Harness,
} from '../support/harness';
import type { lookupOrder } from '../support/user-workflows';
import { workflowBundleOf } from '../support/workflow-bundle';

const run = promisify(execFile);
const KEY = Buffer.alloc(32, 42).toString('base64');

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});
afterEach(() => killRunning());

/** `breakwater codec-server` on a free port, with `env`; its process and URL. */
async function startCodecServer(env: Record<string, string>) {
  const server = start(TSX, ['src/cli/main.ts', 'codec-server', '--port', '0'], {
    ...env,
    LOG_LEVEL: 'silent',
  });
  const url = await eventually(
    () => /codec server listening on (http:\/\/\S+)/.exec(server.output().stdout)?.[1],
    20_000,
  );
  return { server, url };
}

describe('history at rest', () => {
  it('holds no secret of the prompt or the answer, for tasks that succeed, retry and fail', async () => {
    const h = await createHarness(fakeProvider, 'history-at-rest', {
      BREAKWATER_ENCRYPTION_KEYS: `k1=${KEY}`,
      BREAKWATER_ENCRYPTION_COMPRESS: 'gzip',
    });
    const { prompt, answer, all, unique } = secretsOf(newRun());
    h.fake.configure({ script: [{ text: answer }] });
    h.fake.inject({ contentIncludes: 'flaky', fault: { kind: 'status', status: 503 }, times: 2 });
    h.fake.inject({ contentIncludes: 'doomed', fault: { kind: 'status', status: 500 } });
    h.fake.inject({ contentIncludes: 'invalid', fault: { kind: 'status', status: 400 } });
    const keys = ['ok', 'flaky', 'doomed', 'invalid'].map((kind) => `${h.name}-${kind}`);
    const operation = h.name;
    await h.run(async () => {
      const ok = await h.client.execute(chat(prompt('ok')), { idempotencyKey: keys[0]!, operation });
      expect(ok.response.text).toBe(answer);
      const flaky = await h.client.execute(chat(prompt('flaky')), { idempotencyKey: keys[1]!, operation });
      expect(flaky.attempts).toBe(3);
      for (const key of keys.slice(2)) {
        await expect(
          h.client.execute(chat(prompt(key.endsWith('doomed') ? 'doomed' : 'invalid')), {
            idempotencyKey: key,
            operation,
          }),
        ).rejects.toThrow();
      }
    });
    for (const key of keys) {
      const history = await workflowShow(taskWorkflowId(key));
      // The CLI shows metadata in base64.
      expect(history).toContain(Buffer.from('binary/encrypted').toString('base64'));
      expect(leakedSecrets(history, all), key).toEqual([]);
    }
    expect(leakedSecrets(temporalDatabaseText(), unique)).toEqual([]);

    // Search attributes stay readable: operators still find tasks by them.
    const stack = inject('stack');
    const { stdout } = await run(stack.temporalCli, [
      'workflow',
      'count',
      '--address',
      stack.temporalAddress,
      '--namespace',
      stack.namespace,
      '--query',
      `Operation='${operation}'`,
    ]);
    expect(stdout).toContain('Total: 4');
  });

  it('finds the secrets when encryption is off (the check can see them)', async () => {
    const h = await createHarness(fakeProvider, 'history-in-clear');
    const { prompt, answer, all, unique } = secretsOf(newRun());
    h.fake.configure({ script: [{ text: answer }] });
    const key = `${h.name}-ok`;
    await h.run(() => h.client.execute(chat(prompt('clear')), { idempotencyKey: key, operation: h.name }));
    const history = await workflowShow(taskWorkflowId(key));
    expect(leakedSecrets(history, all)).toEqual(all);
    expect(leakedSecrets(temporalDatabaseText(), unique)).toEqual(unique);
  });
});

describe('failure messages at rest', () => {
  let bundle: { codePath: string };
  beforeAll(async () => {
    bundle = await workflowBundleOf(join(__dirname, '..', 'support', 'user-workflows.ts'), {
      encryption: true,
    });
  });

  /** An application's tool whose error quotes what it was asked, as many do. */
  const tool = {
    lookupOrder: async (notes: string): Promise<string> => {
      throw new Error(`no order matches ${notes}`);
    },
  };

  function harnessOf(label: string, env: Record<string, string>): Promise<Harness> {
    return createHarness(fakeProvider, label, env, {
      workerOptions: () => ({ workflowBundle: bundle, activities: tool }),
    });
  }

  /**
   * A task whose provider answers 400 quoting the prompt, and a workflow whose tool fails quoting its
   * input; the task's failure as the Breakwater client reads it, the workflow's as Temporal's does.
   */
  async function failBoth(h: Harness, prompt: (marker: string) => string) {
    h.fake.inject({ contentIncludes: 'echoed', fault: { kind: 'status', status: 400, echo: true } });
    const taskKey = `${h.name}-echoed`;
    const toolId = `${h.name}-tool`;
    const [task, toolError] = await h.run(async () => [
      await failureOf(
        h.client.execute(chat(prompt('echoed')), { idempotencyKey: taskKey, operation: h.name }),
      ),
      await h.temporal.workflow
        .execute<typeof lookupOrder>('lookupOrder', {
          taskQueue: h.config.temporal.taskQueue,
          workflowId: toolId,
          args: [prompt('tool')],
        })
        .then(
          () => expect.fail('the tool succeeded'),
          (error: unknown) => error,
        ),
    ]);
    expect(task.reason).toBe('invalid_input');
    expect(task.errorType).toBe('NonRetryableInputError');
    expect(toolError).toBeInstanceOf(WorkflowFailedError);
    return { taskId: taskWorkflowId(taskKey), toolId, toolFailure: (toolError as WorkflowFailedError).cause };
  }

  it('are encrypted with their stack traces, and read in full through the client and the codec server', async () => {
    const keys = `k1=${KEY}`;
    const h = await harnessOf('failures-at-rest', { BREAKWATER_ENCRYPTION_KEYS: keys });
    const { prompt, all, unique } = secretsOf(newRun());
    const [email, apiKey] = unique;
    const { taskId, toolId, toolFailure } = await failBoth(h, prompt);

    // The client decodes: the workflow's failure, and the tool's message and stack trace under it.
    expect(toolFailure?.message).toBe(`lookup failed for ${prompt('tool')}`);
    const toolCause = (toolFailure?.cause as Error | undefined)?.cause as Error | undefined;
    expect(toolCause?.message).toBe(`no order matches ${prompt('tool')}`);
    expect(toolCause?.stack).toContain(email);

    for (const id of [taskId, toolId]) {
      const history = await workflowShow(id);
      expect(history).toContain('Encoded failure');
      expect(leakedSecrets(history, all), id).toEqual([]);
    }
    expect(leakedSecrets(temporalDatabaseText(), unique)).toEqual([]);

    const { server, url } = await startCodecServer({ BREAKWATER_ENCRYPTION_KEYS: keys });
    const decoded = failuresOf(await workflowShow(toolId, ['--codec-endpoint', url]));
    expect(encodedMessagesOf(decoded)).toEqual(
      expect.arrayContaining([`no order matches ${prompt('tool')}`, `lookup failed for ${prompt('tool')}`]),
    );
    expect(leakedSecrets(decoded, [email!, apiKey!])).toEqual([email, apiKey]);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it.each([
    ['warns of a workflow bundle without the encoding failure converter', false, true],
    ['is quiet with one', true, false],
  ])('a worker that encrypts %s', async (_title, encoded, warns) => {
    const { logger, lines } = logCapture();
    const h = await createHarness(
      fakeProvider,
      'failures-bundle-warning',
      { BREAKWATER_ENCRYPTION_KEYS: `k1=${KEY}` },
      // The stack's bundle is built without it.
      { workerOptions: () => ({ logger, ...(encoded ? { workflowBundle: bundle } : {}) }) },
    );
    await h.run(async () => undefined);
    const warning = lines.find((line) => line.includes('no encoding failure converter'));
    expect(warning !== undefined).toBe(warns);
    if (warning) expect(warning).toContain('bundleWorkflows(path, { encryption: true })');
  });

  it('are in the clear when encryption is off (the check can see them), a provider body never', async () => {
    const h = await harnessOf('failures-in-clear', {});
    const { prompt, unique } = secretsOf(newRun());
    // The prompt's own secrets (the answer's is in no request).
    const promptSecrets = unique.slice(0, 2);
    const { taskId, toolId } = await failBoth(h, prompt);
    expect(leakedSecrets(failuresOf(await workflowShow(toolId)), promptSecrets)).toEqual(promptSecrets);
    // Breakwater reads a provider's error body for its code and never copies it into a failure.
    expect(leakedSecrets(failuresOf(await workflowShow(taskId)), promptSecrets)).toEqual([]);
  });
});

describe('breakwater codec-server', () => {
  it('shows the plaintext to `temporal workflow show --codec-endpoint`, to callers with the token only', async () => {
    const keys = `k1=${KEY}`;
    const h = await createHarness(fakeProvider, 'codec-server', { BREAKWATER_ENCRYPTION_KEYS: keys });
    const { prompt, answer, all } = secretsOf(newRun());
    h.fake.configure({ script: [{ text: answer }] });
    const key = `${h.name}-ok`;
    await h.run(() => h.client.execute(chat(prompt('decoded')), { idempotencyKey: key, operation: h.name }));

    const token = `token-${newRun()}`;
    const webUi = 'http://localhost:8233';
    const { server, url } = await startCodecServer({
      BREAKWATER_ENCRYPTION_KEYS: keys,
      BREAKWATER_CODEC_SERVER_TOKEN: token,
      BREAKWATER_CODEC_SERVER_CORS_ORIGINS: webUi,
    });

    const decoded = await workflowShow(taskWorkflowId(key), [
      '--codec-endpoint',
      url,
      '--codec-auth',
      `Bearer ${token}`,
    ]);
    expect(leakedSecrets(decoded, all)).toEqual(all);
    expect(leakedSecrets(await workflowShow(taskWorkflowId(key)), all)).toEqual([]);

    const body = JSON.stringify({ payloads: [] });
    expect((await fetch(`${url}/decode`, { method: 'POST', body })).status).toBe(401);
    const wrong = await fetch(`${url}/decode`, {
      method: 'POST',
      body,
      headers: { Authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);

    const preflight = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { Origin: webUi } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(webUi);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    const stranger = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example' },
    });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();

    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });
});

describe('a payload encrypted with an unknown key', () => {
  it('fails its task with UnknownEncryptionKeyError, without looping, and the worker keeps serving other tasks', async () => {
    const h = await createHarness(fakeProvider, 'unknown-key', { BREAKWATER_ENCRYPTION_KEYS: `k1=${KEY}` });
    const rogue = new Client({
      connection: h.temporal.connection,
      namespace: inject('stack').namespace,
      dataConverter: withEncryption({
        mode: 'required',
        keys: [{ id: 'rogue', key: Buffer.alloc(32, 99) }],
        activeKeyId: 'rogue',
        compression: 'off',
      }),
    });
    const rogueClient = BreakwaterClient.fromClient({
      client: rogue,
      taskQueue: h.config.temporal.taskQueue,
      policy: h.config.policy,
      taskDeadlineMs: h.config.taskDeadlineMs,
    });
    const rogueKey = `${h.name}-rogue`;
    await h.run(async () => {
      await rogueClient.submit(chat('sealed with a key the worker lacks'), {
        idempotencyKey: rogueKey,
        operation: h.name,
      });
      const handle = h.temporal.workflow.getHandle(taskWorkflowId(rogueKey));
      const failure = await handle.result().then(
        () => expect.fail('a task sealed with an unknown key completed'),
        (error: WorkflowFailedError) => error.cause as ApplicationFailure,
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure.type).toBe('UnknownEncryptionKeyError');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain("unknown key id 'rogue'");
      const { events } = await handle.fetchHistory();
      expect(events!.filter((event) => event.workflowTaskFailedEventAttributes)).toEqual([]);
      expect((await handle.describe()).status.name).toBe('FAILED');
      const fine = await h.client.execute(chat('still served'), {
        idempotencyKey: `${h.name}-ok`,
        operation: h.name,
      });
      expect(fine.response.text).toBeTruthy();
    });
  });
});

describe('a production worker without a key', () => {
  it.each([
    ['warns at start', {}, true],
    ['is quiet with a key', { BREAKWATER_ENCRYPTION_KEYS: `k1=${KEY}` }, false],
  ])('%s', async (_title, env: Record<string, string>, warns) => {
    const { logger, lines } = logCapture();
    const h = await createHarness(
      fakeProvider,
      'production-warning',
      { NODE_ENV: 'production', ...env },
      { workerOptions: () => ({ logger }) },
    );
    await h.run(() => h.client.execute(chat('hello'), { idempotencyKey: `${h.name}-ok`, operation: h.name }));
    const warning = lines.find((line) => line.includes('payloads reach Temporal unencrypted'));
    expect(warning !== undefined).toBe(warns);
    if (warning) expect(warning).toContain('BREAKWATER_ENCRYPTION_KEYS');
  });
});
