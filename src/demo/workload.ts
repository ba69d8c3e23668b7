/**
 * The demo's workload: a mix of tasks and the faults the fake provider injects, so the run shows
 * retries, Retry-After, slow calls, provider input errors, exhausted retries and refused input.
 */
import type { SubmitOptions } from '../client/breakwater-client';
import { FAKE_ANTHROPIC, FAKE_OPENAI } from '../testing/stack-config';
import type { FakeScenario } from '../testing/fake-provider';
import type { LlmRequest } from '../llm/request';
import { PRIORITIES } from '../task';

export type Expectation = 'done' | 'invalid_input' | 'retries_exhausted' | 'refused';

export interface DemoTask {
  request: LlmRequest;
  options: SubmitOptions;
  expect: Expectation;
}

/** Markers in a prompt that the fake provider's fault rules match. */
const OVERSIZED = '[oversized-context]';
const BROKEN = '[always-503]';

const AGENTS = ['planner', 'researcher', 'writer'];
const OPERATIONS = ['summarize', 'classify', 'draft'];

export function injectDemoFaults(scenario: FakeScenario): void {
  scenario.inject({
    contentIncludes: OVERSIZED,
    fault: { kind: 'status', status: 400, code: 'context_length_exceeded' },
  });
  scenario.inject({ contentIncludes: BROKEN, fault: { kind: 'status', status: 503 } });
  scenario.inject({ probability: 0.08, fault: { kind: 'status', status: 503 } });
  scenario.inject({ probability: 0.05, fault: { kind: 'status', status: 429, retryAfterSec: 1 } });
  scenario.inject({ probability: 0.03, fault: { kind: 'reset' } });
  scenario.inject({ probability: 0.1, fault: { kind: 'latency', latencyMs: 1200 } });
}

/** `total` tasks; a few of them carry faults that no retry can cure, and a few are invalid. */
export function demoWorkload(runTag: string, total: number): DemoTask[] {
  const tasks: DemoTask[] = [];
  for (let i = 0; i < total; i++) {
    const key = `${runTag}-${String(i).padStart(3, '0')}`;
    const options: SubmitOptions = {
      idempotencyKey: key,
      runId: `${runTag}-run-${i % 10}`,
      agent: AGENTS[i % AGENTS.length],
      operation: OPERATIONS[i % OPERATIONS.length],
      priority: PRIORITIES[i % PRIORITIES.length],
    };
    const provider = i % 3 === 0 ? FAKE_ANTHROPIC : FAKE_OPENAI;
    let content = `Ticket #${i}: customer jane.doe${i}@example.com asks about order ${1000 + i}. Summarize politely.`;
    let expect: Expectation = 'done';
    if (i % 40 === 7) {
      content += ` ${OVERSIZED}`;
      expect = 'invalid_input';
    } else if (i % 40 === 23) {
      content += ` ${BROKEN}`;
      expect = 'retries_exhausted';
    }
    const request: LlmRequest = {
      provider,
      model: provider === FAKE_ANTHROPIC ? 'claude-demo' : 'gpt-demo',
      messages: [
        { role: 'system', content: 'You are a support assistant.' },
        { role: 'user', content },
      ],
      max_tokens: 256,
    };
    if (i % 50 === 13) {
      tasks.push({ request: { ...request, messages: [] }, options, expect: 'refused' });
    } else if (i % 50 === 37) {
      tasks.push({ request: { ...request, max_tokens: -5 }, options, expect: 'refused' });
    } else {
      tasks.push({ request, options, expect });
    }
  }
  return tasks;
}
