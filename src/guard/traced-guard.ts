/**
 * The guard with a span around each of its calls: `admit` (the decision, the refusal's kind, the
 * breaker's state) and `settle` (the outcome and what was charged), children of the span active
 * where the call is made (the activity's). No request or answer text goes in them. A guarded
 * tool's admission and settle get the same spans (`tracedAdmit`, `tracedSettle`).
 */
import { SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { isBreakwaterError, isCircuitBreakerOpenError } from '../errors';
import { redactText } from '../observability/redaction';
import type { Admission, AdmitRequest, Guard, SettleRequest } from './guard';

/** Span attribute names of the guard's spans. */
export const GUARD_SPAN_ATTRIBUTES = {
  provider: 'breakwater.provider',
  tool: 'breakwater.tool',
  operation: 'breakwater.operation',
  decision: 'breakwater.guard.decision',
  refusal: 'breakwater.guard.refusal',
  breakerState: 'breakwater.breaker.state',
  outcome: 'breakwater.settle.outcome',
  tokens: 'breakwater.settle.tokens',
  costMicros: 'breakwater.settle.cost_micros',
} as const;

const A = GUARD_SPAN_ATTRIBUTES;

/** Why an admission threw: a refusal (its error type, the breaker's state when it refused) or a failure. */
function refusalAttributes(error: unknown): Attributes {
  if (!isBreakwaterError(error)) return { [A.decision]: 'error' };
  return {
    [A.decision]: 'refused',
    [A.refusal]: error.type,
    ...(isCircuitBreakerOpenError(error) ? { [A.breakerState]: error.breakerState } : {}),
  };
}

function markFailed(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: redactText(message) });
}

/**
 * `admit()` in an `admit` span with `attributes`, and the decision: `admitted` (with what
 * `admittedAttributes` adds) or `unguarded`, else the refusal's kind, or a failed admission.
 */
export function tracedAdmit<T extends { guarded: boolean }>(
  tracer: Tracer,
  attributes: Attributes,
  admit: () => Promise<T>,
  admittedAttributes: (admission: T) => Attributes = () => ({}),
): Promise<T> {
  return tracer.startActiveSpan('admit', { attributes }, async (span) => {
    try {
      const admission = await admit();
      span.setAttributes({
        [A.decision]: admission.guarded ? 'admitted' : 'unguarded',
        ...admittedAttributes(admission),
      });
      return admission;
    } catch (error) {
      span.setAttributes(refusalAttributes(error));
      // A refusal is the guard doing its job; anything else failed the admission.
      if (!isBreakwaterError(error)) markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** `settle()` in a `settle` span with `attributes`. */
export function tracedSettle(
  tracer: Tracer,
  attributes: Attributes,
  settle: () => Promise<void>,
): Promise<void> {
  return tracer.startActiveSpan('settle', { attributes }, async (span) => {
    try {
      await settle();
    } finally {
      span.end();
    }
  });
}

export class TracedGuard implements Guard {
  constructor(
    private readonly guard: Guard,
    private readonly tracer: Tracer,
  ) {}

  admit(request: AdmitRequest): Promise<Admission> {
    return tracedAdmit(
      this.tracer,
      { [A.provider]: request.provider, [A.operation]: request.operation },
      () => this.guard.admit(request),
      (admission) => (admission.breakerState ? { [A.breakerState]: admission.breakerState } : {}),
    );
  }

  settle(request: SettleRequest): Promise<void> {
    const { admission, outcome, actual } = request;
    const attributes = {
      [A.provider]: admission.provider,
      [A.operation]: admission.operation,
      [A.outcome]: outcome,
      [A.tokens]: actual?.tokens ?? 0,
      [A.costMicros]: actual?.micros ?? 0,
    };
    return tracedSettle(this.tracer, attributes, () => this.guard.settle(request));
  }
}
