/**
 * The worker's operator endpoints:
 *   GET /metrics  Prometheus text (the process default registry plus the product's metrics)
 *   GET /health   liveness: 200 while the worker runs (with the state of its dependencies)
 *   GET /ready    readiness: 200 only when every dependency answers
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthReport {
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
  health: () => Promise<HealthReport>;
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
      if (path === '/metrics')
        return send(200, options.registry.contentType, await options.registry.metrics());
      if (path === '/health' || path === '/ready') {
        const report = await options.health();
        const ok = path === '/health' ? report.live : report.live && report.ready;
        const status = !report.live ? 'down' : report.ready ? 'ok' : 'degraded';
        return send(ok ? 200 : 503, 'application/json', JSON.stringify({ status, checks: report.checks }));
      }
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
