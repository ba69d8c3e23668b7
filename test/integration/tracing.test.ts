/**
 * Tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, a task's trace reaches an OTLP/HTTP receiver the
 * test runs itself (client start, workflow, activity, `admit`, the provider call and `settle`, one
 * trace, parented), with GenAI attributes and no prompt or answer text anywhere; an AI SDK agent's
 * generated model calls get `admit`, `chat {model}` and `settle`; a prebuilt bundle without the tracing interceptors is
 * warned about. Unset, nothing is installed and the task carries no trace context.
 */
import { join } from 'node:path';
import { context, createContextKey, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BreakwaterClient } from '../../src/client/breakwater-client';
import { taskWorkflowId } from '../../src/client/workflow-id';
import { GUARD_SPAN_ATTRIBUTES } from '../../src/guard/traced-guard';
import { GEN_AI_ATTRIBUTES } from '../../src/observability/provider-span';
import { BreakwaterPlugin } from '../../src/plugin/breakwater-plugin';
import { tracingFor } from '../../src/observability/tracing';
import type { BreakwaterConfig } from '../../src/config';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { startRecorder } from '../support/adapter-calls';
import { aiSdkWorkflowBundle, createAgentHarness } from '../support/ai-sdk';
import {
  chat,
  createHarness,
  eventually,
  startFakeProvider,
  logCapture,
  type Harness,
} from '../support/harness';
import { spansOf, type ReceivedSpan } from '../support/otlp-spans';
import type { callTool } from '../support/tool-workflows';
import { workflowBundleOf } from '../support/workflow-bundle';

/** The header Temporal's OpenTelemetry interceptors carry a span context in. */
const TRACE_HEADER = '_tracer-data';
const PROMPT = 'Tracing prompt: the heron nests by the quarry lake';
const COMPLETION = 'Tracing answer: the quarry lake heron sleeps at noon';

let fakeProvider: FakeProvider;
let receiver: Awaited<ReturnType<typeof startRecorder>>;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  receiver = await startRecorder(() => ({}));
});

afterAll(async () => {
  await receiver.close();
  await fakeProvider.stop();
});

/** Which of the task's events carry a span context: the workflow's start, the activity's schedule. */
async function traceContextIn(h: Harness, idempotencyKey: string): Promise<string[]> {
  const history = await h.temporal.workflow.getHandle(taskWorkflowId(idempotencyKey)).fetchHistory();
  const carrying = (fields: object | null | undefined) => Object.keys(fields ?? {}).includes(TRACE_HEADER);
  return [
    ...(history.events ?? [])
      .filter((event) => carrying(event.workflowExecutionStartedEventAttributes?.header?.fields))
      .map(() => 'start'),
    ...(history.events ?? [])
      .filter((event) => carrying(event.activityTaskScheduledEventAttributes?.header?.fields))
      .map(() => 'activity'),
  ];
}

/** Whether a client built with `BreakwaterPlugin` on `config` traces its workflow starts. */
function pluginClientTraces(config: BreakwaterConfig): boolean {
  const { interceptors } = new BreakwaterPlugin({ config }).configureClient({});
  const workflow = Array.isArray(interceptors?.workflow) ? interceptors.workflow : [];
  return workflow.some((interceptor) => interceptor instanceof OpenTelemetryWorkflowClientInterceptor);
}

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const named = spans.filter((span) => span.name === name);
  expect(named.map((span) => span.name)).toEqual([name]);
  return named[0]!;
}

describe('tracing', () => {
  // First: no other test of this file has installed tracing in the process yet.
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT: nothing installed, no trace context, nothing exported', async () => {
    const h = await createHarness(fakeProvider, 'untraced');
    expect(tracingFor(h.config.tracing)).toBeUndefined();
    expect(pluginClientTraces(h.config)).toBe(false);
    const { result, traced } = await h.run(async () => ({
      result: await h.client.execute(chat(PROMPT), { idempotencyKey: h.name }),
      traced: await traceContextIn(h, h.name),
    }));
    expect(result.ledger.state).toBe('DONE');
    expect(traced).toEqual([]);
    // No context manager (a value set is not seen as active) and no propagator (no fields).
    const key = createContextKey('probe');
    expect(context.with(ROOT_CONTEXT.setValue(key, 1), () => context.active().getValue(key))).toBeUndefined();
    expect(propagation.fields()).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });

  it("exports a task's trace over OTLP/HTTP: parented spans, GenAI attributes, no prompt or answer text", async () => {
    // The worker bundles its workflows itself, with the tracing interceptors (the stack's bundle has none).
    const h = await createHarness(
      fakeProvider,
      'traced',
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.root, OTEL_SERVICE_NAME: 'breakwater-trace-test' },
      { workerOptions: () => ({ workflowBundle: undefined }) },
    );
    h.fake.configure({ script: [{ text: COMPLETION }] });
    expect(pluginClientTraces(h.config)).toBe(true);
    const client = await BreakwaterClient.connect(h.config);
    const { result, traced } = await h
      .run(async () => ({
        result: await client.execute(chat(PROMPT), { idempotencyKey: h.name, operation: 'trace' }),
        traced: await traceContextIn(h, h.name),
      }))
      .finally(() => client.close());
    expect(result.ledger.state).toBe('DONE');
    expect(result.response.text).toBe(COMPLETION);
    expect(traced).toEqual(['start', 'activity']);

    const names = ['StartWorkflow:llmTask', 'RunWorkflow:llmTask', 'RunActivity:llmCall', 'settle'];
    const spans = await eventually(() => {
      const received = spansOf(receiver.requests.map((request) => request.body));
      const seen = new Set(received.map((span) => span.name));
      return names.every((name) => seen.has(name)) ? received : undefined;
    });
    expect(receiver.requests.every((request) => request.url === '/v1/traces')).toBe(true);

    const start = only(spans, 'StartWorkflow:llmTask');
    const workflow = only(spans, 'RunWorkflow:llmTask');
    const scheduled = only(spans, 'StartActivity:llmCall');
    const activity = only(spans, 'RunActivity:llmCall');
    const admit = only(spans, 'admit');
    const provider = only(spans, 'chat fake-model');
    const settle = only(spans, 'settle');
    const trace = [start, workflow, scheduled, activity, admit, provider, settle];
    expect(new Set(trace.map((span) => span.traceId)).size).toBe(1);
    expect(new Set(spans.map((span) => span.serviceName))).toEqual(new Set(['breakwater-trace-test']));
    expect(start.parentSpanId).toBe('');
    expect(workflow.parentSpanId).toBe(start.spanId);
    expect(scheduled.parentSpanId).toBe(workflow.spanId);
    expect(activity.parentSpanId).toBe(scheduled.spanId);
    for (const child of [admit, provider, settle]) expect(child.parentSpanId).toBe(activity.spanId);

    const G = GEN_AI_ATTRIBUTES;
    const { usage } = result.response;
    expect(usage.promptTokens).toBeGreaterThan(0);
    expect(provider.attributes).toMatchObject({
      [G.operation]: 'chat',
      [G.system]: 'openai',
      [G.requestModel]: 'fake-model',
      [G.inputTokens]: usage.promptTokens,
      [G.outputTokens]: usage.completionTokens,
      [G.finishReasons]: ['stop'],
    });
    const A = GUARD_SPAN_ATTRIBUTES;
    expect(admit.attributes).toMatchObject({
      [A.provider]: 'fake',
      [A.operation]: 'trace',
      [A.decision]: 'admitted',
      [A.breakerState]: 'CLOSED',
    });
    expect(settle.attributes).toMatchObject({ [A.provider]: 'fake', [A.outcome]: 'success' });
    expect(settle.attributes[A.tokens]).toBe(usage.promptTokens + usage.completionTokens);

    // Attributes, events and status messages alike: the whole export, as sent.
    const exported = JSON.stringify(receiver.requests.map((request) => request.body));
    for (const text of [PROMPT, COMPLETION, 'heron', 'quarry']) expect(exported).not.toContain(text);
  });

  it("gives a guarded tool's call admit and settle spans under its activity's span, and none to a tool not guarded", async () => {
    const bundle = await workflowBundleOf(join(__dirname, '..', 'support', 'tool-workflows.ts'), {
      tracing: true,
    });
    const h = await createHarness(
      fakeProvider,
      'traced-tool',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.root,
        TOOL_GUARDS: JSON.stringify({ searchGuarded: { breaker: {} } }),
      },
      {
        workerOptions: () => ({
          workflowBundle: bundle,
          activities: {
            searchGuarded: async (arg: string) => `found ${arg}`,
            searchPlain: async (arg: string) => `found ${arg}`,
          },
        }),
      },
    );
    const results = await h.run(async () => {
      const call = (tool: string) =>
        h.temporal.workflow.execute<typeof callTool>('callTool', {
          taskQueue: h.config.temporal.taskQueue,
          workflowId: `${h.name}-${tool}`,
          args: [{ tool, arg: 'the heron' }],
        });
      return [await call('searchGuarded'), await call('searchPlain')];
    });
    expect(results).toEqual([{ value: 'found the heron' }, { value: 'found the heron' }]);

    const childrenOf = (received: ReceivedSpan[], activityName: string) => {
      const activity = received.find((span) => span.name === activityName);
      return activity ? received.filter((span) => span.parentSpanId === activity.spanId) : [];
    };
    const spans = await eventually(() => {
      const received = spansOf(receiver.requests.map((request) => request.body));
      const seen = new Set(received.map((span) => span.name));
      const ready =
        seen.has('RunActivity:searchPlain') && childrenOf(received, 'RunActivity:searchGuarded').length >= 2;
      return ready ? received : undefined;
    });
    const guarded = childrenOf(spans, 'RunActivity:searchGuarded');
    expect(guarded.map((span) => span.name).sort()).toEqual(['admit', 'settle']);
    const A = GUARD_SPAN_ATTRIBUTES;
    expect(guarded.find((span) => span.name === 'admit')!.attributes).toMatchObject({
      [A.tool]: 'searchGuarded',
      [A.decision]: 'admitted',
    });
    expect(guarded.find((span) => span.name === 'settle')!.attributes).toMatchObject({
      [A.tool]: 'searchGuarded',
      [A.outcome]: 'success',
    });
    expect(childrenOf(spans, 'RunActivity:searchPlain')).toEqual([]);
    expect(JSON.stringify(receiver.requests.map((request) => request.body))).not.toContain('heron');
  });

  it('warns when tracing is on and a prebuilt workflow bundle lacks the tracing interceptors', async () => {
    const { logger, lines } = logCapture();
    // The stack's bundle is built without them.
    const h = await createHarness(
      fakeProvider,
      'traced-untraced-bundle',
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.root },
      { workerOptions: () => ({ logger }) },
    );
    await h.run(async () => undefined);
    expect(lines.some((line) => line.includes('the workflow bundle has no tracing interceptors'))).toBe(true);
  });

  it("gives an AI SDK agent's model calls admit, chat and settle spans under the model activity's span", async () => {
    const question = 'Where is the lighthouse keeper of order A-1001?';
    const bundle = await aiSdkWorkflowBundle();
    const h = await createAgentHarness(fakeProvider, bundle, 'traced-agent', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.root,
    });
    const run = await h.run(() => h.execute('supportAgent', [{ question, model: 'fake-model' }]));
    expect(run.error).toBeUndefined();

    const { activity, children } = await eventually(() => {
      const received = spansOf(receiver.requests.map((request) => request.body));
      const modelCall = received.find((span) => span.name === 'RunActivity:invokeModel');
      const under = received.filter((span) => modelCall && span.parentSpanId === modelCall.spanId);
      return under.length >= 3 ? { activity: modelCall!, children: under } : undefined;
    });
    expect(children.map((span) => span.name).sort()).toEqual(['admit', 'chat fake-model', 'settle']);
    for (const child of children) expect(child.traceId).toBe(activity.traceId);
    expect(children.find((span) => span.name === 'admit')?.attributes).toMatchObject({
      [GUARD_SPAN_ATTRIBUTES.provider]: 'fake',
      [GUARD_SPAN_ATTRIBUTES.decision]: 'admitted',
    });
    const generated = children.find((span) => span.name === 'chat fake-model')!;
    expect(generated.attributes).toMatchObject({
      [GEN_AI_ATTRIBUTES.system]: 'openai',
      [GEN_AI_ATTRIBUTES.requestModel]: 'fake-model',
      [GEN_AI_ATTRIBUTES.finishReasons]: ['stop'],
    });
    expect(generated.attributes[GEN_AI_ATTRIBUTES.inputTokens]).toBeGreaterThan(0);
    expect(generated.attributes[GEN_AI_ATTRIBUTES.outputTokens]).toBeGreaterThan(0);
    expect(JSON.stringify(receiver.requests.map((request) => request.body))).not.toContain('lighthouse');
  });
});
