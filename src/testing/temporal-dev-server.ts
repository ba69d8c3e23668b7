/**
 * A Temporal dev server (`temporal server start-dev`) on free ports with a SQLite file and
 * Breakwater's search attributes registered. Uses the CLI found by `resolveTemporalCli`, else the
 * SDK's own download (which needs internet).
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_DEFINITIONS, SEARCH_ATTRIBUTE_KEYS } from '../search-attributes';
import { ManagedProcess } from './child-process';
import { freePort } from '../free-port';
import { resolveTemporalCli } from './toolchain';

export interface TemporalDevServerOptions {
  dir: string;
  /** Serve the Web UI (default true). */
  ui?: boolean;
  host?: string;
  namespace?: string;
}

export interface TemporalDevServer {
  /** gRPC frontend, host:port. */
  address: string;
  namespace: string;
  /** Web UI URL, when the UI is on. */
  uiUrl?: string;
  /** The CLI binary, for `temporal workflow list` and friends (undefined with the SDK's download). */
  cliPath?: string;
  /** The server's Prometheus endpoint (undefined with the SDK's download, which picks its own port). */
  metricsUrl?: string;
  stop(): Promise<void>;
  /**
   * Kills it outright (SIGKILL): a crash, unreachable at once, where `stop` lets it drain for a
   * few seconds. The SQLite file keeps what it committed. (A plain stop with the SDK's download.)
   */
  kill(): Promise<void>;
  /** Starts it again (stopping it first if it runs) on the same ports and SQLite file: an outage, with the workflows kept. */
  restart(): Promise<void>;
}

/** Resolves once the frontend answers and the namespace exists. */
async function waitForFrontend(
  address: string,
  namespace: string,
  timeoutMs: number,
  exited: Promise<never>,
) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Promise.race([Connection.connect({ address, connectTimeout: 1000 }), exited]);
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      if ((error as Error).message.startsWith('temporal dev server exited')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const host = options.host ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const ui = options.ui ?? true;
  const port = await freePort(host);
  const uiPort = ui ? await freePort(host) : undefined;
  const dbFilename = join(options.dir, 'temporal.sqlite');
  const cli = resolveTemporalCli();

  if (!cli) {
    const launch = () =>
      TestWorkflowEnvironment.createLocal({
        server: {
          ip: host,
          port,
          ui,
          uiPort,
          dbFilename,
          namespace,
          searchAttributes: [...SEARCH_ATTRIBUTE_KEYS],
        },
      });
    let env: TestWorkflowEnvironment | undefined = await launch();
    const stop = async () => {
      await env?.teardown();
      env = undefined;
    };
    return {
      address: `${host}:${port}`,
      namespace,
      uiUrl: uiPort ? `http://${host}:${uiPort}` : undefined,
      stop,
      kill: stop,
      restart: async () => {
        await stop();
        env = await launch();
      },
    };
  }

  const metricsPort = await freePort(host);
  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    String(port),
    '--http-port',
    String(await freePort(host)),
    '--metrics-port',
    String(metricsPort),
    '--db-filename',
    dbFilename,
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    '--log-level',
    'warn',
    ...(uiPort ? ['--ui-port', String(uiPort), '--ui-disable-news-fetch'] : ['--headless']),
    ...SEARCH_ATTRIBUTE_DEFINITIONS.flatMap(({ name, cliType }) => [
      '--search-attribute',
      `${name}=${cliType}`,
    ]),
  ];
  const launch = async () => {
    const process = ManagedProcess.spawn('temporal', cli.path, args, {
      logFile: join(options.dir, 'temporal.log'),
    });
    const exited = process.whenExited().then((code): never => {
      throw new Error(
        `temporal dev server exited (code ${code}) during start-up; see ${join(options.dir, 'temporal.log')}`,
      );
    });
    exited.catch(() => undefined);
    try {
      await waitForFrontend(`${host}:${port}`, namespace, 60_000, exited);
    } catch (error) {
      await process.stop();
      throw error;
    }
    return process;
  };
  let process: ManagedProcess | undefined = await launch();
  const stop = async () => {
    await process?.stop();
    process = undefined;
  };
  return {
    address: `${host}:${port}`,
    namespace,
    uiUrl: uiPort ? `http://${host}:${uiPort}` : undefined,
    cliPath: cli.path,
    metricsUrl: `http://${host}:${metricsPort}/metrics`,
    stop,
    kill: async () => {
      process?.killNow();
      await process?.whenExited();
      process = undefined;
    },
    restart: async () => {
      await stop();
      process = await launch();
    },
  };
}
