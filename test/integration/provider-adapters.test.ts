/**
 * The provider adapters against the fake provider over real HTTP: every row of the classification
 * table in DESIGN.md, for both wire dialects, plus the fake provider's own admin API.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/testing/free-port';
import {
  isBreakwaterError,
  isNonRetryableInputError,
  isProviderConfigurationError,
  isRateLimitedError,
  isRetryableExternalError,
  type BreakwaterError,
  type RetryableExternalError,
} from '../../src/errors';
import { AnthropicAdapter } from '../../src/providers/anthropic';
import { FakeProvider, type FakeScenario } from '../../src/testing/fake-provider';
import { fakeReply } from '../../src/testing/fake-wire';
import { OpenAiCompatibleAdapter } from '../../src/providers/openai';
import type { ProviderAdapter, ProviderCallOptions } from '../../src/providers/types';
import type { LlmRequest } from '../../src/llm/request';
import { eventually, uniqueName } from '../support/harness';

const API_KEY = 'sk-test-adapter-key-0123456789';
const PROMPT = 'hello world!';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await new FakeProvider().start();
});
afterAll(async () => {
  await fakeProvider.stop();
});

function callOptions(timeoutMs = 5000, signal = new AbortController().signal): ProviderCallOptions {
  return { signal, timeoutMs, context: { provider: 'fake', operation: 'test' } };
}

function request(content = PROMPT, extra: Partial<LlmRequest> = {}): LlmRequest {
  return { provider: 'fake', model: 'fake-model', messages: [{ role: 'user', content }], ...extra };
}

/** The rejection of `promise` (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

/** A Breakwater error with the call's context and nothing of the prompt in its message. */
function expectClassified(error: unknown): BreakwaterError {
  expect(isBreakwaterError(error), String(error)).toBe(true);
  const classified = error as BreakwaterError;
  expect(classified.context).toMatchObject({ provider: 'fake', operation: 'test' });
  expect(classified.message).not.toContain(PROMPT);
  return classified;
}

function expectRetryable(error: unknown, reason: string): RetryableExternalError {
  const classified = expectClassified(error);
  expect(isRetryableExternalError(classified), String(error)).toBe(true);
  expect(classified.retryable).toBe(true);
  expect((classified as RetryableExternalError).reason).toBe(reason);
  return classified as RetryableExternalError;
}

interface Dialect {
  name: 'openai' | 'anthropic';
  adapter(scenario: FakeScenario, apiKey?: string): ProviderAdapter;
  /** The adapter pointed at a plain server root instead of a scenario. */
  adapterAt(root: string, apiKey?: string): ProviderAdapter;
  path: string;
  finishReason: string;
}

const DIALECTS: Dialect[] = [
  {
    name: 'openai',
    adapter: (scenario, apiKey = API_KEY) =>
      new OpenAiCompatibleAdapter('fake', scenario.openAiBaseUrl, apiKey),
    adapterAt: (root, apiKey = API_KEY) => new OpenAiCompatibleAdapter('fake', `${root}/v1`, apiKey),
    path: '/v1/chat/completions',
    finishReason: 'stop',
  },
  {
    name: 'anthropic',
    adapter: (scenario, apiKey = API_KEY) => new AnthropicAdapter('fake', scenario.anthropicBaseUrl, apiKey),
    adapterAt: (root, apiKey = API_KEY) => new AnthropicAdapter('fake', root, apiKey),
    path: '/v1/messages',
    finishReason: 'end_turn',
  },
];

interface Recorded {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A plain HTTP server that records each request and answers it with a minimal valid body of its dialect. */
async function startRecorder(): Promise<{ root: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      const answer = req.url?.endsWith('/messages')
        ? {
            model: 'recorded',
            content: [{ type: 'text', text: 'ok' }],
            stop_reason: 'end_turn',
            usage: { input_tokens: 1, output_tokens: 1 },
          }
        : {
            model: 'recorded',
            choices: [{ message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    root: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(DIALECTS)('$name adapter', (dialect) => {
  const scenario = (label: string) => fakeProvider.scenario(uniqueName(`${dialect.name}-${label}`));

  it('returns text, usage, model and finish reason on success', async () => {
    const fake = scenario('success');
    const response = await dialect.adapter(fake).chat(request(PROMPT, { max_tokens: 5 }), callOptions());
    expect(response).toEqual({
      text: fakeReply(PROMPT),
      // The fake counts ceil(chars / 4) + 3 per message; it answers min(12, max_tokens) tokens.
      usage: { promptTokens: 6, completionTokens: 5, totalTokens: 11 },
      provider: 'fake',
      model: 'fake-model',
      toolCalls: [],
      finishReason: 'stop',
      rawFinishReason: dialect.finishReason,
    });
    expect(fake.stats).toMatchObject({ received: 1, succeeded: 1, aborted: 0 });
  });

  it('sends its API key and protocol headers', async () => {
    const recorder = await startRecorder();
    try {
      await dialect.adapterAt(recorder.root).chat(
        {
          ...request('hi'),
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'hi' },
          ],
        },
        callOptions(),
      );
      await dialect.adapterAt(recorder.root, '').chat(request('no key'), callOptions());
    } finally {
      await recorder.close();
    }
    expect(recorder.requests).toHaveLength(2);
    const [keyed, unkeyed] = recorder.requests as [Recorded, Recorded];
    expect(keyed.method).toBe('POST');
    expect(keyed.url).toBe(dialect.path);
    expect(keyed.headers['content-type']).toBe('application/json');
    if (dialect.name === 'openai') {
      expect(keyed.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(keyed.headers['x-api-key']).toBeUndefined();
      expect(keyed.body).toMatchObject({
        model: 'fake-model',
        stream: false,
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
      });
      expect(unkeyed.headers.authorization).toBeUndefined();
    } else {
      expect(keyed.headers['x-api-key']).toBe(API_KEY);
      expect(keyed.headers['anthropic-version']).toBe('2023-06-01');
      expect(keyed.headers.authorization).toBeUndefined();
      expect(keyed.body).toMatchObject({
        model: 'fake-model',
        system: 'be brief',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(unkeyed.headers['x-api-key']).toBeUndefined();
      expect(unkeyed.headers['anthropic-version']).toBe('2023-06-01');
    }
  });

  it('classifies an injected 503 as retryable http_503', async () => {
    const fake = scenario('503').inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    const error = expectRetryable(
      await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())),
      'http_503',
    );
    expect(error.retryAfterMs).toBeUndefined();
    expect(fake.stats.byOutcome['503']).toBe(1);
  });

  it('classifies a 429 as RateLimitedError with its Retry-After', async () => {
    const fake = scenario('429').inject({
      fault: { kind: 'status', status: 429, retryAfterSec: 7 },
      times: 1,
    });
    const error = expectClassified(await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())));
    expect(isRateLimitedError(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(7000);
  });

  it('classifies a 400 as a non-retryable input error', async () => {
    const fake = scenario('400')
      .inject({ fault: { kind: 'status', status: 400 }, times: 1 })
      .inject({ fault: { kind: 'status', status: 400, code: 'context_length_exceeded' }, times: 1 });
    const adapter = dialect.adapter(fake);
    const plain = expectClassified(await rejectionOf(adapter.chat(request(), callOptions())));
    expect(isNonRetryableInputError(plain)).toBe(true);
    expect(plain.retryable).toBe(false);
    expect((plain as { field?: string }).field).toBe('request');
    const tooLong = expectClassified(await rejectionOf(adapter.chat(request(), callOptions())));
    expect(isNonRetryableInputError(tooLong)).toBe(true);
    expect((tooLong as { field?: string }).field).toBe('request.messages');
  });

  it('classifies a 401 as a provider configuration error', async () => {
    const fake = scenario('401').inject({ fault: { kind: 'status', status: 401 }, times: 1 });
    const error = expectClassified(await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())));
    expect(isProviderConfigurationError(error)).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it('classifies a malformed 200 body as retryable malformed_body', async () => {
    const fake = scenario('malformed').inject({ fault: { kind: 'malformed' }, times: 1 });
    expectRetryable(
      await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())),
      'malformed_body',
    );
    expect(fake.stats.byOutcome.malformed).toBe(1);
  });

  it('classifies a reset connection as retryable connection_reset', async () => {
    const fake = scenario('reset').inject({ fault: { kind: 'reset' }, times: 1 });
    const adapter = dialect.adapter(fake);
    expectRetryable(await rejectionOf(adapter.chat(request(), callOptions())), 'connection_reset');
    expect(fake.stats.byOutcome.reset).toBe(1);
    // The next call on the same adapter gets a fresh connection and succeeds.
    await expect(adapter.chat(request(), callOptions())).resolves.toMatchObject({ text: fakeReply(PROMPT) });
  });

  it('aborts a call that outlives timeoutMs and classifies it as retryable timeout', async () => {
    const fake = scenario('timeout').inject({ fault: { kind: 'latency', latencyMs: 3000 }, times: 1 });
    const started = Date.now();
    expectRetryable(await rejectionOf(dialect.adapter(fake).chat(request(), callOptions(300))), 'timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually(() => (fake.stats.aborted === 1 ? true : undefined), 3000);
    expect(fake.stats.succeeded).toBe(0);
  });

  it("rejects with the caller's abort reason, not a Breakwater error, and drops the connection", async () => {
    const fake = scenario('abort').inject({ fault: { kind: 'hang' }, times: 1 });
    const controller = new AbortController();
    const outcome = rejectionOf(
      dialect.adapter(fake).chat(request(), callOptions(10_000, controller.signal)),
    );
    await eventually(() => (fake.stats.received === 1 ? true : undefined), 3000);
    const reason = new Error('cancelled by the test');
    controller.abort(reason);
    const error = await outcome;
    expect(error).toBe(reason);
    expect(isBreakwaterError(error)).toBe(false);
    await eventually(() => (fake.stats.aborted === 1 ? true : undefined), 3000);
  });

  it('classifies a refused connection as retryable connect_error', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expectRetryable(
      await rejectionOf(dialect.adapterAt(closed).chat(request(), callOptions())),
      'connect_error',
    );
  });
});

describe('fake provider admin API', () => {
  const admin = (name: string, resource: 'faults' | 'stats') =>
    `${fakeProvider.url}/_admin/s/${name}/${resource}`;

  it('adds a fault rule over HTTP, reports stats and resets', async () => {
    const name = uniqueName('admin');
    const fake = fakeProvider.scenario(name);
    const adapter = new OpenAiCompatibleAdapter('fake', fake.openAiBaseUrl, API_KEY);

    const added = await fetch(admin(name, 'faults'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: { kind: 'status', status: 502 }, times: 1 }),
    });
    expect(added.status).toBe(201);

    expectRetryable(await rejectionOf(adapter.chat(request(), callOptions())), 'http_502');
    await adapter.chat(request(), callOptions());

    const stats = await fetch(admin(name, 'stats'));
    expect(stats.status).toBe(200);
    expect(await stats.json()).toEqual({
      received: 2,
      succeeded: 1,
      aborted: 0,
      byOutcome: { '502': 1, '200': 1 },
      receivedAt: [expect.any(Number), expect.any(Number)],
    });

    await fetch(admin(name, 'faults'), {
      method: 'POST',
      body: JSON.stringify({ fault: { kind: 'status', status: 500 } }),
    });
    const cleared = await fetch(admin(name, 'faults'), { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(await (await fetch(admin(name, 'stats'))).json()).toEqual({
      received: 0,
      succeeded: 0,
      aborted: 0,
      byOutcome: {},
      receivedAt: [],
    });
    // The unlimited 500 rule went with the reset.
    await expect(adapter.chat(request(), callOptions())).resolves.toMatchObject({ provider: 'fake' });
  });

  it.each([
    [{ fault: { kind: 'status', status: 42 } }, 'fault.status'],
    [{ fault: { kind: 'latency' } }, 'fault.latencyMs'],
    [{ fault: { kind: 'explode' } }, 'fault.kind'],
    [{ fault: { kind: 'reset' }, times: 0 }, 'times'],
    [{ fault: { kind: 'reset' }, probability: 2 }, 'probability'],
    [{ fault: { kind: 'reset' }, until: 'soon' }, 'until'],
    [{ fault: { kind: 'reset' }, from: null }, 'from'],
    [{ fault: { kind: 'reset' }, contentIncludes: 5 }, 'contentIncludes'],
    [{}, 'fault'],
  ])('refuses the invalid rule %j with 400 naming %s', async (rule, field) => {
    const name = uniqueName('admin-invalid');
    const response = await fetch(admin(name, 'faults'), { method: 'POST', body: JSON.stringify(rule) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_fault');
    expect(body.error.message.startsWith(`${field}:`), body.error.message).toBe(true);
    // Nothing was added: a call still succeeds.
    const fake = fakeProvider.scenario(name);
    await new OpenAiCompatibleAdapter('fake', fake.openAiBaseUrl).chat(request(), callOptions());
    expect(fake.stats.succeeded).toBe(1);
  });
});

describe('fake provider outage window', () => {
  it('answers 503 during the window and succeeds after it', async () => {
    const fake = fakeProvider.scenario(uniqueName('outage'));
    const adapter = new AnthropicAdapter('fake', fake.anthropicBaseUrl, API_KEY);
    const started = Date.now();
    fake.faults.outage(1500);
    for (let call = 0; call < 3; call++) {
      expectRetryable(await rejectionOf(adapter.chat(request(), callOptions())), 'http_503');
    }
    await new Promise((resolve) => setTimeout(resolve, started + 1600 - Date.now()));
    await expect(adapter.chat(request(), callOptions())).resolves.toMatchObject({ text: fakeReply(PROMPT) });
    expect(fake.stats.byOutcome).toEqual({ '503': 3, '200': 1 });
  });
});
