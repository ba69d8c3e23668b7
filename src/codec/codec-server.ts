/**
 * The Temporal codec-server HTTP protocol, so that the Web UI and `temporal workflow show
 * --codec-endpoint` show decrypted payloads: `POST /encode` and `POST /decode` take and return
 * `{"payloads": [{"metadata": {key: base64}, "data": base64}]}`. CORS answers the Web UI's
 * origins only; with a token, every call must carry `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** The largest request body read: Temporal's own payload limits are well below it. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port (0 picks a free one). */
  port: number;
  /** Origins (e.g. the Web UI's `http://localhost:8233`) allowed to call from a browser. */
  corsOrigins?: readonly string[];
  /** When set, calls without `Authorization: Bearer <token>` are refused with 401. */
  token?: string;
}

/** A running codec server. */
export interface CodecServer {
  /** `http://host:port`, the value of `--codec-endpoint`. */
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

class BadRequest extends Error {}

/** Starts a codec server for `options.codec`. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      const status = error instanceof BadRequest ? 400 : 500;
      // A decryption failure names its key id, never the payload.
      send(response, status, { message: error instanceof Error ? error.message : 'failed' });
    });
  });
  await listen(server, options.port, options.host ?? '127.0.0.1');
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handle(options: CodecServerOptions, request: IncomingMessage, response: ServerResponse) {
  allowOrigin(options, request, response);
  if (request.method === 'OPTIONS') {
    response.writeHead(204).end();
    return;
  }
  const path = new URL(request.url ?? '/', 'http://codec').pathname.replace(/\/+$/, '');
  const operation = path === '/encode' || path === '/decode' ? path.slice(1) : undefined;
  if (!operation) return send(response, 404, { message: 'not found: POST /encode or /decode' });
  if (request.method !== 'POST') return send(response, 405, { message: 'POST only' });
  if (!authorized(options.token, request.headers.authorization)) {
    return send(response, 401, { message: 'unauthorized' });
  }
  const payloads = parsePayloads(await readBody(request));
  const coded =
    operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
  send(response, 200, { payloads: coded.map(toJson) });
}

function allowOrigin(options: CodecServerOptions, request: IncomingMessage, response: ServerResponse) {
  const origin = request.headers.origin;
  if (origin === undefined || !(options.corsOrigins ?? []).includes(origin)) return;
  response.setHeader('Access-Control-Allow-Origin', origin);
  response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  response.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
  response.setHeader('Access-Control-Allow-Credentials', 'true');
  response.setHeader('Vary', 'Origin');
}

function authorized(token: string | undefined, header: string | undefined): boolean {
  if (token === undefined) return true;
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parsePayloads(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest('body must be JSON {"payloads": [...]}');
  }
  const payloads = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new BadRequest('body must be JSON {"payloads": [...]}');
  return payloads.map((payload: JsonPayload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload?.metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(String(value), 'base64'),
      ]),
    ),
    data: Buffer.from(String(payload?.data ?? ''), 'base64'),
  }));
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value ?? []).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
