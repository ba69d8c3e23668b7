/**
 * Temporal's OpenTelemetry interceptors on Breakwater's tracing: the client's workflow start span,
 * the activity's `RunActivity` span (the parent of `admit`, the provider call and `settle`), and the
 * sink through which the workflow's spans leave the workflow sandbox.
 */
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Tracing } from './tracing';

/** The client's interceptors: each workflow start is a span, its context sent in the headers. */
export function tracingClientInterceptors(tracing: Tracing): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] };
}

/** The activity's interceptors: each execution is a span, child of the workflow's. */
export function tracingActivityInterceptor(tracing: Tracing): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });
}

/**
 * The `exporter` sink the workflow interceptors call: the tracing's span processor, or, with
 * tracing off, one that drops the spans (a bundle built for tracing may run on a worker that does not trace).
 */
export function workflowSpanSinks(tracing: Tracing | undefined): InjectedSinks<OpenTelemetrySinks> {
  if (tracing) return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
  return { exporter: { export: { fn: () => undefined } } };
}
