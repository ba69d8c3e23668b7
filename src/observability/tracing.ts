/**
 * Tracing over OTLP/HTTP, on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: a tracer provider of
 * Breakwater's own (the application's global one is left alone), whose spans a batch processor
 * exports. The W3C trace-context propagator and an `AsyncLocalStorage` context manager are
 * installed globally unless the application installed its own: Temporal's interceptors read both.
 */
import { context, propagation, ProxyTracerProvider, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource, type IResource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from '../config/types';
import { AsyncLocalContextManager } from './async-context';
import { RedactingSpanExporter } from './redacting-exporter';

/** The name of Breakwater's tracer (its instrumentation scope). */
export const TRACER_NAME = 'breakwater';

/** A tracer whose spans go nowhere, for code that runs with tracing off. */
export const NO_TRACER: Tracer = new ProxyTracerProvider().getTracer(TRACER_NAME);

export interface Tracing {
  readonly tracer: Tracer;
  /** Where spans go: Temporal's workflow spans reach it through the worker's `exporter` sink. */
  readonly spanProcessor: SpanProcessor;
  readonly resource: IResource;
  /** Exports the spans still batched (on worker shutdown and client close). */
  flush(): Promise<void>;
}

/** One tracing per endpoint and service name in a process: a worker and a client share it. */
const started = new Map<string, Tracing>();
let globalsInstalled = false;

function installGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  // Each returns false, keeping the application's, when one is installed already.
  context.setGlobalContextManager(new AsyncLocalContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** The tracing of `settings`, or undefined when tracing is off (no endpoint). */
export function tracingFor(settings: TracingSettings): Tracing | undefined {
  const { endpoint, serviceName } = settings;
  if (endpoint === undefined) return undefined;
  const key = `${serviceName} ${endpoint}`;
  const existing = started.get(key);
  if (existing) return existing;
  installGlobals();
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: serviceName }));
  const exporter = new RedactingSpanExporter(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }));
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  const tracing: Tracing = {
    tracer: provider.getTracer(TRACER_NAME),
    spanProcessor,
    resource,
    flush: () => provider.forceFlush(),
  };
  started.set(key, tracing);
  return tracing;
}
