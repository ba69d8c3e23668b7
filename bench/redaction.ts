/**
 * Benchmark of the logger's redaction: `npm run -s bench:redaction`.
 *
 * Sensitive keys can be dropped in two ways: by the deep walk that the text rules need anyway (what
 * `createLogger` does: one `Set` lookup per key, and a dropped value is never scrubbed), or by pino's
 * own `redact` paths (fast-redact, applied while serializing) next to a walk that only scrubs text.
 * pino's paths match one spelling at a fixed depth, so the second logger lists every spelling at
 * depths 0 to 2 (wildcard paths), which is still weaker than the walk (any depth, any case); a third
 * lists them at the top level only (no wildcard), the cheapest use of pino's paths.
 *
 * Both loggers write to a sink that discards, and log the same three shapes: an attempt's line
 * (identifiers and figures), a failure (an error and identifiers) and a call's context with its
 * request (20 messages of 500 characters). Rounds alternate between the two, so both see the
 * machine in the same state; each figure is the median over rounds of the microseconds per line,
 * for the three shapes together and for each (`byShape`). Prints one JSON object; `ratio` =
 * pinoRedactUsPerLine / deepWalkUsPerLine (below 1: pino's paths are faster), `topLevelRatio` the
 * same for the top-level paths.
 */
import pino from 'pino';
import { percentile } from '../src/percentiles';
import { createLogger, type Logger } from '../src/observability/logger';
import { collectIdentifiers, redactText, SENSITIVE_KEYS } from '../src/observability/redaction';
import { round } from './measure';

const ROUNDS = 9;
const LINES_PER_ROUND = 1000;

/** The spellings of the sensitive keys found in log calls, besides their lower-case form. */
const SPELLINGS = ['apiKey', 'Authorization', 'X-Api-Key', 'Prompt', 'Messages'];
const DEPTH_PREFIXES = ['', '*.', '*.*.'];

function pinoPaths(depthPrefixes: readonly string[]): string[] {
  const keys = [...SENSITIVE_KEYS, ...SPELLINGS];
  return depthPrefixes.flatMap((prefix) =>
    keys.map((key) => (/^\w+$/.test(key) ? `${prefix}${key}` : `${prefix}["${key}"]`.replace('.[', '['))),
  );
}

function scrubText(value: unknown, identifiers: ReadonlySet<string>, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  // Identifier fields are kept whole, as the walk of `createLogger` keeps them.
  if (typeof value === 'string') return identifiers.has(value) ? value : redactText(value, identifiers);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (value instanceof Error) return { name: value.name, message: redactText(value.message, identifiers) };
  if (Array.isArray(value)) return value.map((item) => scrubText(item, identifiers, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = scrubText(item, identifiers, depth + 1);
  return out;
}

const discard = { write: () => undefined };

function pinoRedactLogger(depthPrefixes: readonly string[]): Logger {
  return pino(
    {
      level: 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: (value: unknown) => value },
      redact: {
        paths: pinoPaths(depthPrefixes),
        censor: (value) => (typeof value === 'string' ? `[REDACTED ${value.length} chars]` : '[REDACTED]'),
      },
      hooks: {
        logMethod(args, method) {
          const identifiers = new Set<string>();
          for (const arg of args) collectIdentifiers(arg, identifiers);
          const safe = args.map((arg) => scrubText(arg, identifiers));
          return method.apply(this, safe as Parameters<typeof method>);
        },
      },
    },
    discard,
  );
}

const ids = { workflowId: 'bw-task-demo-20261201210121-006', runId: '01a20361-8f5d-745b-a7cc-c4aa23e6deba' };
const sentence = 'Please summarise the quarterly figures for the board, with the risks first. ';
const request = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  messages: Array.from({ length: 20 }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: sentence.repeat(7).slice(0, 500),
  })),
};

type Shape = (logger: Logger, i: number) => void;

const attemptIds = (i: number) => ({
  ...ids,
  idempotencyKey: `demo-20261201210121-${i % 1000}`,
  attempt: 1 + (i % 4),
});

/** The shapes logged: by name, one log call each. */
const SHAPES: Record<string, Shape> = {
  attempt: (logger, i) =>
    logger.info(
      { ...attemptIds(i), provider: 'openai', latencyMs: 812, tokens: 1234, costMicros: 4200 },
      'llm call done',
    ),
  failure: (logger, i) =>
    logger.warn({ ...attemptIds(i), err: new Error(`HTTP 503 from openai for demo-${i}`) }, 'retrying'),
  request: (logger, i) =>
    logger.info(
      { ...attemptIds(i), request, headers: { Authorization: 'Bearer abcdef0123456789' } },
      'calling provider',
    ),
};

function usPerLine(logger: Logger, shapes: readonly Shape[]): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < LINES_PER_ROUND; i++) for (const shape of shapes) shape(logger, i);
  return Number(process.hrtime.bigint() - start) / 1000 / (LINES_PER_ROUND * shapes.length);
}

/** Median microseconds per line of each logger over alternating rounds, and their ratio. */
function compare(shapes: readonly Shape[]) {
  const walkRounds: number[] = [];
  const pinoRounds: number[] = [];
  const topLevelRounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    walkRounds.push(usPerLine(deepWalk, shapes));
    pinoRounds.push(usPerLine(pinoRedact, shapes));
    topLevelRounds.push(usPerLine(pinoTopLevel, shapes));
  }
  const deepWalkUsPerLine = percentile(walkRounds, 50);
  const pinoRedactUsPerLine = percentile(pinoRounds, 50);
  const pinoTopLevelUsPerLine = percentile(topLevelRounds, 50);
  return {
    deepWalkUsPerLine: round(deepWalkUsPerLine, 2),
    pinoRedactUsPerLine: round(pinoRedactUsPerLine, 2),
    pinoTopLevelUsPerLine: round(pinoTopLevelUsPerLine, 2),
    ratio: round(pinoRedactUsPerLine / deepWalkUsPerLine, 2),
    topLevelRatio: round(pinoTopLevelUsPerLine / deepWalkUsPerLine, 2),
  };
}

const deepWalk = createLogger({ destination: discard });
const pinoRedact = pinoRedactLogger(DEPTH_PREFIXES);
const pinoTopLevel = pinoRedactLogger(['']);
const allShapes = Object.values(SHAPES);
for (const logger of [deepWalk, pinoRedact, pinoTopLevel]) usPerLine(logger, allShapes);
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    linesPerRound: LINES_PER_ROUND * allShapes.length,
    ...compare(allShapes),
    byShape: Object.fromEntries(Object.entries(SHAPES).map(([name, shape]) => [name, compare([shape])])),
  }),
);
