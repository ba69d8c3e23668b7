/**
 * The one place Temporal connection options are built from configuration: the worker's
 * `NativeConnection`, the client's `Connection` and the CLI's all connect with these, and a failed
 * connection says how it was attempted.
 */
import type { ConnectionOptions } from '@temporalio/client';
import type { TemporalConnectionSettings } from '../config';

/** The options both `Connection.connect` and `NativeConnection.connect` take. */
export type TemporalConnectionOptions = Pick<ConnectionOptions, 'address' | 'tls' | 'metadata'> & {
  apiKey?: string;
};

/** Address, TLS (CA, client certificate pair, server name), API key and gRPC metadata of `settings`. */
export function temporalConnectionOptions(settings: TemporalConnectionSettings): TemporalConnectionOptions {
  return {
    address: settings.address,
    ...(settings.tls === undefined ? {} : { tls: settings.tls }),
    ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
    ...(settings.metadata === undefined ? {} : { metadata: settings.metadata }),
  };
}

/** Temporal could not be reached or refused the connection: the message says how it was attempted. */
export class TemporalConnectionError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'TemporalConnectionError';
  }
}

/**
 * Runs `connect`; its failure becomes a `TemporalConnectionError` that names the address, the
 * transport (plain, TLS, mTLS, API key), the variables to check and the causes.
 */
export async function connectingTo<T>(
  settings: TemporalConnectionSettings,
  connect: () => Promise<T>,
): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw new TemporalConnectionError(
      `cannot connect to Temporal at ${settings.address} (TEMPORAL_ADDRESS) ${transportOf(settings)}: ${causesOf(error)}`,
      error,
    );
  }
}

function transportOf(settings: TemporalConnectionSettings): string {
  const apiKey = settings.apiKey === undefined ? '' : ' with TEMPORAL_API_KEY';
  const tls = settings.tls;
  if (tls === undefined || tls === false) {
    return `over plain gRPC${apiKey} (a TLS server needs TEMPORAL_TLS=true or TEMPORAL_TLS_*)`;
  }
  if (tls !== true && tls.clientCertPair !== undefined) return `over mTLS${apiKey}`;
  return `over TLS${apiKey}, without a client certificate (an mTLS server needs TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH)`;
}

/** The messages of `error` and of its causes, outermost first. */
function causesOf(error: unknown): string {
  const messages: string[] = [];
  for (let cause = error; cause instanceof Error; cause = cause.cause) messages.push(cause.message);
  return messages.join(': ') || String(error);
}
