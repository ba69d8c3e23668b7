/**
 * The module map's import rules (docs/architecture.md, "Module map"), checked by `npm run check`.
 * Type-only imports count too: a circle of types is still a circle.
 *
 * Each rule names a room and the rooms it must not import; `types.ts` of a room (breaker, budget,
 * ratelimit, dlq, deltas, answers, redis, codec) is vocabulary that every layer may use, so it is never a violation.
 */
const ROOM_TYPES = '^src/(breaker|budget|ratelimit|dlq|deltas|answers|redis|codec)/types\\.ts$';
/** Code that runs the product: everything under src/ but the tooling and entry points built on it. */
const LIBRARY = '^src/(?!testing/|demo/|cli/)';

/** [name, from (path regex), to (path regex), why] */
const LAYERS = [
  [
    'redis-is-the-bottom',
    '^src/redis/',
    '^(src/(?!redis/|task\\.ts|money\\.ts|error-message\\.ts)|activities/|workflows/)',
    'redis/ is the transport every guard policy builds on: it may use only the rooms’ types.ts',
  ],
  [
    'policies-below-the-guard',
    '^src/(breaker|budget|ratelimit)/',
    '^(src/(guard|dlq|client|worker|cli|testing|demo|providers|observability)/|activities/|workflows/)',
    'breaker/, budget/ and ratelimit/ build on redis/; the guard combines them, not the other way',
  ],
  [
    'guard-below-the-activities',
    '^src/guard/',
    '^(src/(dlq|client|worker|cli|testing|demo|providers)/|activities/|workflows/)',
    'the guard is what the activities call; it knows nothing of tasks, clients or workers',
  ],
  [
    'errors-and-task-shapes-are-leaves',
    '^src/(errors/|llm/|task\\.ts|ledger\\.ts|backoff\\.ts|search-attributes\\.ts|money\\.ts|map-concurrent\\.ts)',
    '^(src/(?!errors/|llm/|task\\.ts|ledger\\.ts|backoff\\.ts|breaker/types\\.ts)|activities/|workflows/)',
    'the error taxonomy and the shapes of a task and of an LLM call are imported by workflow code: they import only each other',
  ],
  [
    'config-reads-only-types',
    '^src/config/',
    '^(src/(?!config/|money\\.ts|task\\.ts)|activities/|workflows/)',
    'config turns the environment into typed settings: it knows the rooms’ settings types only',
  ],
  [
    'deltas-are-a-store',
    '^src/deltas/',
    '^(src/(guard|breaker|budget|dlq|client|worker|cli|testing|demo|providers|ai-sdk)/|activities/|workflows/)',
    'live deltas are a Redis Stream per task: written by the activity, read by the client',
  ],
  [
    'answers-are-a-store',
    '^src/answers/',
    '^(src/(guard|breaker|budget|dlq|deltas|client|worker|cli|testing|demo|providers|ai-sdk)/|activities/|workflows/)',
    'kept answers are a Redis string per call: written and read by the LLM call activity',
  ],
  [
    'dlq-below-the-workers',
    '^src/dlq/',
    '^(src/(guard|worker|cli|testing|demo|providers)/|activities/|workflows/)',
    'the dead-letter queue is a store and its replayer: it starts tasks through the client only',
  ],
  [
    'client-without-guard-state',
    '^src/client/',
    '^(src/(redis|breaker|budget|guard|dlq|worker|cli|testing|demo|providers)/|activities/)',
    'application code starts and reads tasks through Temporal; it never touches the guard state',
  ],
  [
    'providers-are-adapters',
    '^src/providers/',
    '^(src/(redis|breaker|guard|dlq|client|worker|cli|testing|demo)/|src/budget/(?!tokenizer\\.ts)|activities/|workflows/)',
    'a provider adapter speaks HTTP to one LLM API and classifies its answers (the tokenizer counts a stream that reports no usage)',
  ],
  [
    'observability-is-a-leaf',
    '^src/observability/',
    '^(src/(redis|breaker|budget|guard|dlq|client|worker|cli|testing|demo|providers)/|activities/|workflows/)',
    'logs, metrics and redaction serve every room; they know only the configuration and the rooms’ types',
  ],
  [
    'status-reads-shared-state',
    '^src/status/',
    '^(src/(guard|client|worker|plugin|cli|testing|demo|providers|observability)/|activities/|workflows/)',
    'the status snapshot reads the shared state and Temporal visibility; the worker and the CLI serve it',
  ],
  [
    'codec-is-a-leaf',
    '^src/codec/',
    '^(src/(?!codec/|errors/error-types\\.ts$)|activities/|workflows/)',
    'payload encryption wraps Temporal payloads: it knows nothing of tasks, guards or stores (only the error type names)',
  ],
  [
    'cli-is-an-operator-tool',
    '^src/cli/',
    '^(src/(worker|testing|demo)/|activities/|workflows/)',
    'the CLI acts on shared state and Temporal like an operator, never as a worker',
  ],
  [
    'library-without-tooling',
    LIBRARY,
    '^src/(testing|demo|cli)/',
    'the library never depends on its test tooling, the demo or the operator CLI',
  ],
  [
    'ai-sdk-is-the-model-activity',
    '^src/ai-sdk/',
    '^(src/(redis|breaker|ratelimit|dlq|client|worker|cli|testing|demo)/|src/config/(?!types\\.ts)|src/providers/(?!classify\\.ts|stream-watchdog\\.ts)|activities/(?!attempt-outcome\\.ts|attempt-reporter\\.ts|calling-workflow\\.ts|slow-calls\\.ts)|workflows/)',
    'the AI SDK guard runs inside the AI SDK’s model activity: the guard, budgets, the config’s types, the classification of answers and a stream’s clocks, and the activities’ outcome and slow-call helpers; nothing below the guard, no application API',
  ],
  [
    'plugin-below-the-worker-factory',
    '^src/plugin/',
    '^src/(worker|cli|testing|demo|client)/',
    'the plugin builds a worker’s parts from the config; createWorker and the worker’s main build on it',
  ],
  [
    'activities-not-workers',
    '^activities/',
    '^(src/(worker|cli|testing|demo|client)/|workflows/)',
    'activities are built by the worker from injected dependencies',
  ],
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'no import circle, type-only imports included',
      from: {},
      to: { circular: true },
    },
    ...LAYERS.map(([name, from, to, comment]) => ({
      name,
      severity: 'error',
      comment,
      from: { path: from },
      to: { path: to, pathNot: ROOM_TYPES },
    })),
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
