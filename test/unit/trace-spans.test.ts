/**
 * Breakwater's own spans, on the OpenTelemetry SDK with an in-memory exporter: the guard's decision
 * on `admit` (a refusal is not an error), the provider span's error type and redacted status, and
 * the exporter's redaction of status messages and exception events.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { CircuitBreakerOpenError, RetryableExternalError } from '../../src/errors';
import type { Admission, Guard } from '../../src/guard/guard';
import { GUARD_SPAN_ATTRIBUTES as A, TracedGuard } from '../../src/guard/traced-guard';
import {
  GEN_AI_ATTRIBUTES as G,
  llmResponseOutcome,
  traceProviderCall,
} from '../../src/observability/provider-span';
import { redactedSpan } from '../../src/observability/redacting-exporter';

const EMAIL = 'jane.doe@example.com';

function tracerWithMemory() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { tracer: provider.getTracer('test'), spans: () => exporter.getFinishedSpans() };
}

const admitRequest = {
  provider: 'openai',
  operation: 'summarize',
  attemptId: 'wf/run/1/1',
  leaseMs: 1000,
  tokens: 10,
  context: {},
};

/** A guard that answers every admission with `admit`'s outcome. */
function guardAnswering(admit: () => Promise<Admission>): Guard {
  return { admit, settle: async () => undefined };
}

describe('TracedGuard', () => {
  it('records an admission as admitted, with the breaker state', async () => {
    const { tracer, spans } = tracerWithMemory();
    const admission: Admission = {
      provider: 'openai',
      operation: 'summarize',
      attemptId: admitRequest.attemptId,
      guarded: true,
      breakerState: 'HALF_OPEN',
      reservation: 'r1',
      tokens: 10,
      leaseEndsAt: 0,
    };
    const guard = new TracedGuard(
      guardAnswering(async () => admission),
      tracer,
    );
    await expect(guard.admit(admitRequest)).resolves.toBe(admission);
    await guard.settle({ admission, outcome: 'success', actual: { micros: 42, tokens: 7 } });
    const [admit, settle] = spans();
    expect(admit?.name).toBe('admit');
    expect(admit?.attributes).toEqual({
      [A.provider]: 'openai',
      [A.operation]: 'summarize',
      [A.decision]: 'admitted',
      [A.breakerState]: 'HALF_OPEN',
    });
    expect(settle?.name).toBe('settle');
    expect(settle?.attributes).toMatchObject({ [A.outcome]: 'success', [A.tokens]: 7, [A.costMicros]: 42 });
  });

  it('records a refusal with its kind and the breaker state, rethrown, without an error status', async () => {
    const { tracer, spans } = tracerWithMemory();
    const refusal = new CircuitBreakerOpenError(
      'circuit breaker of openai refused the call',
      500,
      {},
      'OPEN',
    );
    const guard = new TracedGuard(
      guardAnswering(async () => Promise.reject(refusal)),
      tracer,
    );
    await expect(guard.admit(admitRequest)).rejects.toBe(refusal);
    const [admit] = spans();
    expect(admit?.attributes).toMatchObject({
      [A.decision]: 'refused',
      [A.refusal]: 'CircuitBreakerOpenError',
      [A.breakerState]: 'OPEN',
    });
    expect(admit?.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('traceProviderCall', () => {
  it('sets error.type and an error status whose message is redacted', async () => {
    const { tracer, spans } = tracerWithMemory();
    const failure = new RetryableExternalError(`openai answered 503 for ${EMAIL}`, 'http_503');
    await expect(
      traceProviderCall(
        tracer,
        { system: 'openai', model: 'gpt-4o-mini' },
        () => Promise.reject(failure),
        llmResponseOutcome,
      ),
    ).rejects.toBe(failure);
    const [span] = spans();
    expect(span?.name).toBe('chat gpt-4o-mini');
    expect(span?.attributes).toMatchObject({
      [G.system]: 'openai',
      [G.requestModel]: 'gpt-4o-mini',
      [G.errorType]: 'RetryableExternalError',
    });
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.status.message).toContain('openai answered 503');
    expect(span?.status.message).not.toContain(EMAIL);
  });
});

describe('redactedSpan', () => {
  it('redacts the status message and the exception events, keeping the rest', () => {
    const { tracer, spans } = tracerWithMemory();
    const span = tracer.startSpan('RunActivity:llmCall', { attributes: { temporalActivityId: '1' } });
    span.recordException(new Error(`refused for ${EMAIL}`));
    span.setStatus({ code: SpanStatusCode.ERROR, message: `refused for ${EMAIL}` });
    span.end();
    const original = spans()[0] as ReadableSpan;
    const redacted = redactedSpan(original);
    expect(JSON.stringify([redacted.status, redacted.events])).not.toContain(EMAIL);
    expect(redacted.status.message).toContain('refused for');
    expect(redacted.events[0]?.attributes?.['exception.message']).toContain('refused for');
    expect(redacted.attributes).toEqual({ temporalActivityId: '1' });
    expect(redacted.spanContext()).toEqual(original.spanContext());
    expect(redacted.name).toBe(original.name);
  });
});
