/**
 * The worker's operator endpoints:
 *   GET /metrics  Prometheus text: the registry (the process and the product's metrics), then the
 *                 families of `moreMetrics` (Temporal's) that the registry does not have
 *   GET /health   healthy, degraded or unhealthy, per component: 503 only when unhealthy
 *   GET /ready    readiness: 200 only when the worker runs and every dependency answers
 *   GET /status   the status snapshot (breakers, budgets, DLQ, tasks, ledger statistics), JSON
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { mergeExpositions } from './exposition';
import { healthHttpStatus, type HealthReport } from './health';

export interface ReadinessReport {
  /** The worker polls and runs tasks. */
  live: boolean;
  /** Every dependency answers. */
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** More Prometheus text served after the registry's (another exporter's series): '' for none. */
  moreMetrics?: () => Promise<string>;
  health: () => Promise<HealthReport>;
  ready: () => Promise<ReadinessReport>;
  status: () => Promise<unknown>;
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const answer = async () => {
      if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
      if (path === '/metrics') {
        const [own, more] = await Promise.all([options.registry.metrics(), options.moreMetrics?.() ?? '']);
        return send(200, options.registry.contentType, mergeExpositions([own, more]));
      }
      if (path === '/health') {
        const report = await options.health();
        return send(healthHttpStatus(report.status), 'application/json', JSON.stringify(report));
      }
      if (path === '/ready') {
        const report = await options.ready();
        const status = !report.live ? 'down' : report.ready ? 'ok' : 'degraded';
        const ok = report.live && report.ready;
        return send(ok ? 200 : 503, 'application/json', JSON.stringify({ status, checks: report.checks }));
      }
      if (path === '/status') return send(200, 'application/json', JSON.stringify(await options.status()));
      return send(404, 'text/plain', 'not found\n');
    };
    answer().catch((error: unknown) => send(500, 'text/plain', `${String(error)}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
