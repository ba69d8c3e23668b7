/**
 * A real HTTP server that speaks the OpenAI Chat Completions and Anthropic Messages APIs, with
 * deterministic answers and injectable faults. Used by the demo, `npm run stack` and the tests.
 *
 * Routes (each scenario has its own faults, settings and counters; `default` has no prefix):
 *   POST [/s/<scenario>]/v1/chat/completions   OpenAI-compatible
 *   POST [/s/<scenario>]/v1/messages           Anthropic Messages
 *   /_admin/s/<scenario>/…                     the admin API (`fake-admin.ts`)
 * What a call is answered is `fake-answer.ts`; how it is written on the wire, `fake-bodies.ts`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_ROUTE, handleAdmin } from './fake-admin';
import { answerFor } from './fake-answer';
import { answerIds, successBody } from './fake-bodies';
import type { Fault } from './fake-faults';
import { readBody, sendJson } from './fake-http';
import { FakeScenario } from './fake-scenario';
import { sseEvents, writeSse } from './fake-sse';
import { errorBody, readCall, statusCode, type Dialect, type FakeCall } from './fake-wire';

export { FakeScenario } from './fake-scenario';
export type { ReceivedRequest, ScenarioStats } from './fake-scenario';

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
    const admin = ADMIN_ROUTE.exec(url.pathname);
    if (admin) return handleAdmin(req, res, this.scenario(admin[1]), admin[2]!);
    const api = /^(?:\/s\/([^/]+))?\/v1\/(chat\/completions|messages)$/.exec(url.pathname);
    if (!api || req.method !== 'POST')
      return sendJson(res, 404, { error: { type: 'not_found', message: 'no route' } });
    const dialect: Dialect = api[2] === 'messages' ? 'anthropic' : 'openai';
    return this.handleCall(req, res, this.scenario(api[1] ?? 'default'), dialect);
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
      sendJson(res, status, body, headers);
    };

    let body: unknown;
    try {
      body = JSON.parse(await readBody(req)) as unknown;
    } catch {
      return finish(400, errorBody(dialect, 'invalid_request_error', 'body is not JSON'));
    }
    scenario.record(dialect, body);
    const call = readCall(dialect, body);
    const fault = scenario.faults.next({ lastUserMessage: call.lastUserMessage });

    if (this.options.baseLatencyMs) await delay(this.options.baseLatencyMs);
    if (fault && (await this.applyFault(fault, call, req, res, dialect, scenario, () => (finished = true))))
      return;
    if (res.destroyed) return;

    if (typeof call.model !== 'string' || call.model === '' || call.messages === 0) {
      return finish(400, errorBody(dialect, 'invalid_request_error', 'model and messages are required'));
    }
    const answer = answerFor(call, scenario.settings, fault);
    if (!call.stream) return finish(200, successBody(dialect, call.model, answer));
    const events = sseEvents(dialect, call.model, answer, answerIds(answer), call.includeUsage);
    const cutAfter = fault?.kind === 'stream_cut' ? fault.afterEvents : undefined;
    finished = true;
    const complete = await writeSse(res, events, {
      chunkDelayMs: scenario.settings.chunkDelayMs,
      cutAfter,
      onFirstEvent: () => scenario.stats.firstEventAt.push(Date.now()),
    });
    scenario.count(complete ? '200' : 'stream_cut');
    if (complete) scenario.stats.succeeded += 1;
  }

  /** Applies a transport `fault`; returns true when the call has been answered (or dropped) by it. */
  private async applyFault(
    fault: Fault,
    call: FakeCall,
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
      case 'content_filter':
      case 'refusal':
        return false; // the answer itself carries them
      case 'stream_cut':
        if (call.stream) return false; // the stream is cut as it goes
        markFinished();
        scenario.count('reset');
        req.socket.destroy();
        return true;
      case 'stream_stall':
        if (call.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.flushHeaders();
        }
        scenario.count('hang');
        this.hanging.add(res);
        return true;
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
        sendJson(
          res,
          fault.status,
          errorBody(
            dialect,
            fault.code ?? statusCode(fault.status),
            // As OpenAI's 400s quote the offending value.
            fault.echo
              ? `Invalid value for 'messages[0].content': ${call.lastUserMessage}`
              : `injected ${fault.status}`,
          ),
          headers,
        );
        return true;
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
