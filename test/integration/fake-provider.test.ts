/** The fake provider's own admin API and fault windows, over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicAdapter } from '../../src/providers/anthropic';
import { OpenAiCompatibleAdapter } from '../../src/providers/openai';
import { fakeReply } from '../../src/testing/fake-answer';
import { FakeProvider } from '../../src/testing/fake-provider';
import {
  API_KEY,
  callOptions,
  expectRetryable,
  PROMPT,
  rejectionOf,
  request,
} from '../support/adapter-calls';
import { uniqueName } from '../support/harness';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await new FakeProvider().start();
});
afterAll(async () => {
  await fakeProvider.stop();
});

/** A 400 of `type` whose message starts with `field`. */
async function expectRefused(response: Response, type: string, field: string): Promise<void> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { type: string; message: string } };
  expect(body.error.type).toBe(type);
  expect(body.error.message.startsWith(`${field}:`), body.error.message).toBe(true);
}

describe('fake provider admin API', () => {
  const admin = (name: string, resource: 'faults' | 'stats' | 'settings' | 'requests') =>
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
      firstEventAt: [],
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
      firstEventAt: [],
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
    await expectRefused(response, 'invalid_fault', field);
    // Nothing was added: a call still succeeds.
    const fake = fakeProvider.scenario(name);
    await new OpenAiCompatibleAdapter('fake', fake.openAiBaseUrl).chat(request(), callOptions());
    expect(fake.stats.succeeded).toBe(1);
  });

  it('sets a script and cached tokens over HTTP, and shows the requests it received', async () => {
    const name = uniqueName('admin-settings');
    const fake = fakeProvider.scenario(name);
    const settings = {
      script: [
        { toolResults: 0, callTools: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
        { text: 'done' },
      ],
      cachedPromptTokens: 2,
    };
    const put = await fetch(admin(name, 'settings'), { method: 'PUT', body: JSON.stringify(settings) });
    expect(put.status).toBe(200);
    expect(await (await fetch(admin(name, 'settings'))).json()).toEqual(settings);

    const adapter = new OpenAiCompatibleAdapter('fake', fake.openAiBaseUrl);
    const tools = [{ type: 'function' as const, function: { name: 'get_weather' } }];
    const called = await adapter.chat(request(PROMPT, { tools }), callOptions());
    expect(called.toolCalls).toMatchObject([{ name: 'get_weather', input: { city: 'Paris' } }]);
    expect(called.usage.cachedPromptTokens).toBe(2);
    // Without the tool on offer, the first step does not match: the catch-all step answers.
    expect((await adapter.chat(request(), callOptions())).text).toBe('done');

    const received = (await (await fetch(admin(name, 'requests'))).json()) as Array<{
      dialect: string;
      body: unknown;
    }>;
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({ dialect: 'openai', body: { model: 'fake-model', tools } });

    await fetch(admin(name, 'faults'), { method: 'DELETE' });
    expect(await (await fetch(admin(name, 'settings'))).json()).toEqual({});
    expect(await (await fetch(admin(name, 'requests'))).json()).toEqual([]);
  });

  it.each([
    [{ script: [{ toolResults: 0 }] }, 'script[0]'],
    [{ script: [{ callTools: [{ name: '', arguments: {} }] }] }, 'script[0].callTools[0].name'],
    [{ cachedPromptTokens: -1 }, 'cachedPromptTokens'],
  ])('refuses the invalid settings %j with 400 naming %s', async (settings, field) => {
    const name = uniqueName('admin-bad-settings');
    const response = await fetch(admin(name, 'settings'), { method: 'PUT', body: JSON.stringify(settings) });
    await expectRefused(response, 'invalid_settings', field);
    expect(await (await fetch(admin(name, 'settings'))).json()).toEqual({});
  });

  it('answers 405 to a method a resource does not take', async () => {
    const response = await fetch(admin(uniqueName('admin-405'), 'requests'), { method: 'DELETE' });
    expect(response.status).toBe(405);
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
