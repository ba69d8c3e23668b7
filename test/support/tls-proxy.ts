/**
 * A TLS terminator in front of the embedded Temporal dev server (which has no TLS of its own): an
 * HTTP/2 proxy that serves the test's server certificate, asks for a client certificate signed by
 * the test's CA when mTLS is on, and refuses calls without the expected API key the way Temporal
 * Cloud does (gRPC status 16, UNAUTHENTICATED). Each gRPC call is forwarded to the dev server.
 */
import { readFileSync } from 'node:fs';
import {
  connect,
  constants,
  createSecureServer,
  type ClientHttp2Session,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TestCertificates } from './certificates';

export interface TlsProxyOptions {
  /** The plain gRPC server behind the proxy, host:port. */
  target: string;
  certificates: TestCertificates;
  /** mTLS: refuse a client without a certificate signed by the test's CA. */
  requireClientCertificate?: boolean;
  /** Refuse calls without `authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

const GRPC_UNAUTHENTICATED = '16';

/** Headers that belong to one HTTP/2 hop. */
function forwarded(headers: IncomingHttpHeaders, extra: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'connection' && name !== 'keep-alive' && value !== undefined) result[name] = value;
  }
  return { ...result, ...extra };
}

export class TlsProxy {
  private upstream: ClientHttp2Session | undefined;
  private readonly sessions = new Set<Http2Session>();

  private constructor(
    private readonly server: ReturnType<typeof createSecureServer>,
    private readonly options: TlsProxyOptions,
    /** Where clients connect: 127.0.0.1:port. */
    readonly address: string,
  ) {}

  static async start(options: TlsProxyOptions): Promise<TlsProxy> {
    const { certificates } = options;
    const server = createSecureServer({
      key: readFileSync(certificates.serverKeyPath),
      cert: readFileSync(certificates.serverCertPath),
      ca: readFileSync(certificates.caPath),
      requestCert: options.requireClientCertificate === true,
      rejectUnauthorized: options.requireClientCertificate === true,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const proxy = new TlsProxy(server, options, `127.0.0.1:${port}`);
    server.on('stream', (stream, headers) => proxy.forward(stream, headers));
    server.on('session', (session) => {
      proxy.sessions.add(session);
      session.once('close', () => proxy.sessions.delete(session));
    });
    // A refused handshake (no client certificate) is the client's error to report, not the proxy's.
    server.on('tlsClientError', () => undefined);
    server.on('sessionError', () => undefined);
    return proxy;
  }

  async close(): Promise<void> {
    this.upstream?.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.destroy();
    await closed;
  }

  private session(): ClientHttp2Session {
    if (!this.upstream || this.upstream.closed || this.upstream.destroyed) {
      this.upstream = connect(`http://${this.options.target}`);
      this.upstream.on('error', () => undefined);
    }
    return this.upstream;
  }

  private forward(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const { apiKey } = this.options;
    if (apiKey !== undefined && headers.authorization !== `Bearer ${apiKey}`) {
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': GRPC_UNAUTHENTICATED,
          'grpc-message': 'missing or wrong API key',
        },
        { endStream: true },
      );
      return;
    }
    const request = this.session().request(forwarded(headers, { ':scheme': 'http' }));
    let trailers: OutgoingHttpHeaders = {};
    request.on('trailers', (received) => (trailers = forwarded(received)));
    request.on('response', (received, flags) => {
      if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
        stream.respond(forwarded(received), { endStream: true });
        return;
      }
      stream.respond(forwarded(received), { waitForTrailers: true });
      request.pipe(stream);
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    request.on('error', () => {
      if (!stream.closed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    });
    stream.on('close', () => {
      if (!request.closed) request.close(constants.NGHTTP2_CANCEL);
    });
    stream.pipe(request);
  }
}
