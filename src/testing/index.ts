/**
 * `breakwater/testing`: test your own agents the way Breakwater tests its own: a real HTTP server
 * that speaks the OpenAI and Anthropic APIs with faults you inject, and an embedded stack (a
 * Temporal dev server, a redis-server and that fake provider, on free ports).
 */
export { FakeProvider, FakeScenario } from './fake-provider';
export type { FakeProviderOptions, ReceivedRequest, ScenarioStats } from './fake-provider';
export type { Fault, FaultRule } from './fake-faults';
export { startStack, stopOnSignals } from './stack';
export type { Stack, StackOptions } from './stack';
export { endpointsOf, stackConfig, FAKE_ANTHROPIC, FAKE_MODEL_PRICES, FAKE_OPENAI } from './stack-config';
export type { StackEndpoints } from './stack-config';
export { RedisDevServer } from './redis-dev-server';
export { startTemporalDevServer } from './temporal-dev-server';
export type { TemporalDevServer, TemporalDevServerOptions } from './temporal-dev-server';
export { freePort } from '../free-port';
export type * from './fake-faults';
