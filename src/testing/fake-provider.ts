/**
 * A real HTTP server that speaks the OpenAI Chat Completions and Anthropic Messages APIs, with
 * deterministic answers and injectable faults. Used by the demo, `npm run stack` and the tests.
 *
 * Routes (each scenario has its own faults and counters; `default` has no prefix):
 *   POST [/s/<scenario>]/v1/chat/completions   OpenAI-compatible
 *   POST [/s/<scenario>]/v1/messages           Anthropic Messages
 *   POST   /_admin/s/<scenario>/faults         add a FaultRule (JSON)
 *   DELETE /_admin/s/<scenario>/faults         clear faults
 *   GET    /_admin/s/<scenario>/stats          counters
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, seededRandom, type Fault, type FaultRule } from './fake-faults';
import {
  COMPLETION_TOKENS,
  errorBody,
  fakeReply,
  promptTokens,
  statusCode,
  successBody,
  type Dialect,
  type WireRequest,
} from './fake-wire';

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
}

/** One scenario's faults and counters. */
export class FakeScenario {
  readonly faults: FaultPlan;
  readonly stats: ScenarioStats = { received: 0, succeeded: 0, aborted: 0, byOutcome: {}, receivedAt: [] };

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

  inject(rule: FaultRule): this {
    this.faults.add(rule);
    return this;
  }

  /** Resets faults and counters. */
  reset(): void {
    this.faults.clear();
    Object.assign(this.stats, { received: 0, succeeded: 0, aborted: 0, byOutcome: {}, receivedAt: [] });
  }

  count(outcome: string): void {
    this.stats.byOutcome[outcome] = (this.stats.byOutcome[outcome] ?? 0) + 1;
  }
}

export interface FakeProviderOptions {
  host?: string;
  port?: number;
  /** Delay added to every answer. */
  baseLatencyMs?: number;
  /** Seed of the probabilistic faults. */
  seed?: number;
}

export class FakeProvider {
  private server: Server | undefined;
  private readonly scenarios = new Map<string, FakeScenario>();
  private readonly hanging = new Set<ServerResponse>();
  private rootUrl = '';

  constructor(private readonly options: FakeProviderOptions = {}) {}

  /** `http://host:port` once started. */
  get url(): string {
    if (!this.rootUrl) throw new Error('fake provider is not started');
    return this.rootUrl;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'server_error', message: String(error) } }));
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.rootUrl = `http://${address.address}:${address.port}`;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The named scenario, created on first use. */
  scenario(name = 'default'): FakeScenario {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new RangeError(`scenario: invalid name '${name}'`);
    let scenario = this.scenarios.get(name);
    if (!scenario) {
      scenario = new FakeScenario(name, () => this.url, (this.options.seed ?? 42) + this.scenarios.size);
      this.scenarios.set(name, scenario);
    }
    return scenario;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const admin = /^\/_admin\/s\/([^/]+)\/(faults|stats)$/.exec(url.pathname);
    if (admin) return this.handleAdmin(req, res, this.scenario(admin[1]), admin[2] as 'faults' | 'stats');
    const api = /^(?:\/s\/([^/]+))?\/v1\/(chat\/completions|messages)$/.exec(url.pathname);
    if (!api || req.method !== 'POST')
      return json(res, 404, { error: { type: 'not_found', message: 'no route' } });
    const dialect: Dialect = api[2] === 'messages' ? 'anthropic' : 'openai';
    return this.handleCall(req, res, this.scenario(api[1] ?? 'default'), dialect);
  }

  private async handleAdmin(
    req: IncomingMessage,
    res: ServerResponse,
    scenario: FakeScenario,
    resource: 'faults' | 'stats',
  ): Promise<void> {
    if (resource === 'stats' && req.method === 'GET') return json(res, 200, scenario.stats);
    if (resource === 'faults' && req.method === 'DELETE') {
      scenario.reset();
      return json(res, 200, { ok: true });
    }
    if (resource === 'faults' && req.method === 'POST') {
      try {
        scenario.inject(JSON.parse(await readBody(req)) as FaultRule);
      } catch (error) {
        return json(res, 400, { error: { type: 'invalid_fault', message: (error as Error).message } });
      }
      return json(res, 201, { ok: true });
    }
    return json(res, 405, { error: { type: 'method_not_allowed' } });
  }

  private async handleCall(
    req: IncomingMessage,
    res: ServerResponse,
    scenario: FakeScenario,
    dialect: Dialect,
  ): Promise<void> {
    scenario.stats.received += 1;
    scenario.stats.receivedAt.push(Date.now());
    let finished = false;
    res.on('close', () => {
      if (!finished) scenario.stats.aborted += 1;
      this.hanging.delete(res);
    });
    const finish = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      finished = true;
      scenario.count(String(status));
      if (status >= 200 && status < 300) scenario.stats.succeeded += 1;
      json(res, status, body, headers);
    };

    let request: WireRequest;
    try {
      request = JSON.parse(await readBody(req)) as WireRequest;
    } catch {
      return finish(400, errorBody(dialect, 'invalid_request_error', 'body is not JSON'));
    }
    const messages = Array.isArray(request.messages) ? request.messages : [];
    const lastUser = [...messages].reverse().find((message) => message.role === 'user');
    const lastUserMessage = typeof lastUser?.content === 'string' ? lastUser.content : '';
    const fault = scenario.faults.next({ lastUserMessage });

    if (this.options.baseLatencyMs) await delay(this.options.baseLatencyMs);
    if (fault && (await this.applyFault(fault, req, res, dialect, scenario, () => (finished = true)))) return;
    if (res.destroyed) return;

    if (typeof request.model !== 'string' || request.model === '' || messages.length === 0) {
      return finish(400, errorBody(dialect, 'invalid_request_error', 'model and messages are required'));
    }
    const text = fakeReply(lastUserMessage);
    const maxTokens = typeof request.max_tokens === 'number' ? request.max_tokens : 1024;
    const completion = Math.min(COMPLETION_TOKENS, Math.max(1, maxTokens));
    const prompt = promptTokens(messages, typeof request.system === 'string' ? request.system : '');
    return finish(200, successBody(dialect, request.model, text, prompt, completion));
  }

  /** Applies `fault`; returns true when the call has been answered (or dropped) by it. */
  private async applyFault(
    fault: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    dialect: Dialect,
    scenario: FakeScenario,
    markFinished: () => void,
  ): Promise<boolean> {
    switch (fault.kind) {
      case 'latency':
        await delay(fault.latencyMs);
        return false;
      case 'hang':
        scenario.count('hang');
        this.hanging.add(res);
        return true;
      case 'reset':
        markFinished();
        scenario.count('reset');
        req.socket.destroy();
        return true;
      case 'malformed':
        markFinished();
        scenario.count('malformed');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices": [ {"message": ');
        return true;
      case 'status': {
        markFinished();
        scenario.count(String(fault.status));
        const headers: Record<string, string> = {};
        if (fault.retryAfterSec !== undefined) headers['retry-after'] = String(fault.retryAfterSec);
        json(
          res,
          fault.status,
          errorBody(dialect, fault.code ?? statusCode(fault.status), `injected ${fault.status}`),
          headers,
        );
        return true;
      }
    }
  }
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
