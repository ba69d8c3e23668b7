/** Spans read back from OTLP/HTTP JSON export requests (`POST /v1/traces`), as a test's receiver got them. */

/** One OTLP `AnyValue`, as the JSON encoding writes it. */
interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}

interface KeyValue {
  key: string;
  value: AnyValue;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: KeyValue[];
}

interface ExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
  /** `service.name` of the span's resource. */
  serviceName: unknown;
}

function valueOf(value: AnyValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

function attributesOf(attributes: KeyValue[] = []): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, valueOf(value)]));
}

/** Every span of `bodies` (JSON export requests), in the order they arrived. */
export function spansOf(bodies: readonly unknown[]): ReceivedSpan[] {
  return bodies.flatMap((body) =>
    ((body as ExportRequest).resourceSpans ?? []).flatMap((resourceSpans) => {
      const serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'];
      return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
        (scope.spans ?? []).map((span) => ({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          attributes: attributesOf(span.attributes),
          serviceName,
        })),
      );
    }),
  );
}
