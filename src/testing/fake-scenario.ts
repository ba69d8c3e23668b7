/** One scenario of the fake provider: its faults, its settings (script, cached tokens), counters and the requests it received. */
import { FaultPlan, seededRandom, type FaultRule } from './fake-faults';
import { validateSettings, type ScenarioSettings } from './fake-script';
import type { Dialect } from './fake-wire';

export interface ScenarioStats {
  /** Calls that reached the server. */
  received: number;
  /** Calls answered 2xx. */
  succeeded: number;
  /** Calls whose client went away before the answer (aborts, timeouts). */
  aborted: number;
  /** Answers by HTTP status; `reset` and `hang` counted by name. */
  byOutcome: Record<string, number>;
  /** When each call arrived (epoch ms), in order. */
  receivedAt: number[];
  /** When each streamed answer's first event left (epoch ms), in order. */
  firstEventAt: number[];
}

/** A request body as the scenario received it. */
export interface ReceivedRequest {
  dialect: Dialect;
  body: unknown;
}

/** How many received requests a scenario keeps (the latest ones). */
const KEPT_REQUESTS = 100;

const emptyStats = (): ScenarioStats => ({
  received: 0,
  succeeded: 0,
  aborted: 0,
  byOutcome: {},
  receivedAt: [],
  firstEventAt: [],
});

export class FakeScenario {
  readonly faults: FaultPlan;
  readonly stats: ScenarioStats = emptyStats();
  /** The bodies of the latest calls (at most 100), oldest first. */
  readonly requests: ReceivedRequest[] = [];
  private current: ScenarioSettings = {};

  constructor(
    readonly name: string,
    private readonly root: () => string,
    seed: number,
  ) {
    this.faults = new FaultPlan(Date.now, seededRandom(seed));
  }

  /** Base URL for the OpenAI-compatible adapter (ends in `/v1`). */
  get openAiBaseUrl(): string {
    return `${this.root()}/s/${this.name}/v1`;
  }

  /** Base URL for the Anthropic adapter (the adapter appends `/v1/messages`). */
  get anthropicBaseUrl(): string {
    return `${this.root()}/s/${this.name}`;
  }

  get settings(): ScenarioSettings {
    return this.current;
  }

  inject(rule: FaultRule): this {
    this.faults.add(rule);
    return this;
  }

  /** Replaces the scenario's settings (script, cached tokens); throws a `RangeError` naming a bad field. */
  configure(settings: ScenarioSettings): this {
    this.current = validateSettings(structuredClone(settings));
    return this;
  }

  /** Resets faults, settings, counters and received requests. */
  reset(): void {
    this.faults.clear();
    this.current = {};
    this.requests.length = 0;
    Object.assign(this.stats, emptyStats());
  }

  count(outcome: string): void {
    this.stats.byOutcome[outcome] = (this.stats.byOutcome[outcome] ?? 0) + 1;
  }

  record(dialect: Dialect, body: unknown): void {
    this.requests.push({ dialect, body });
    if (this.requests.length > KEPT_REQUESTS) this.requests.shift();
  }
}
