/**
 * Temporal's Runtime (one per process): Breakwater installs it with its redacting logger and with
 * Prometheus telemetry on a loopback port, whose `temporal_*` series the worker's `/metrics` serves.
 */
import { IllegalStateError } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { freePort } from '../free-port';
import { TemporalLoggerAdapter, type Logger } from '../observability/logger';

/** Who installed the process's Runtime, and so whose logger and metrics exporter it has. */
export type RuntimeOwner = 'breakwater' | 'application';

/** How long a scrape waits for the Runtime's Prometheus exporter. */
const SCRAPE_TIMEOUT_MS = 2000;

/** Free ports tried for the exporter: another process may take a free port before the core binds it. */
const BIND_ATTEMPTS = 3;

let installing: Promise<RuntimeOwner> | undefined;

/**
 * Installs the Runtime once per process, whoever calls: SDK, workflow and core logs go to `logger`
 * (redacted), and the SDK's metrics (`temporal_` prefix) to a Prometheus exporter on a free
 * loopback port, served behind the worker's `/metrics`. When the application installed the Runtime
 * first, it is kept, and one warning says what stays the application's.
 *
 * Call it before the first `NativeConnection.connect` when you build your worker with
 * `BreakwaterPlugin` yourself; `createWorker` calls it.
 */
export function installTemporalRuntime(logger: Logger): Promise<RuntimeOwner> {
  installing ??= install(logger).catch((error: unknown) => {
    installing = undefined;
    throw error;
  });
  return installing;
}

async function install(logger: Logger, attempt = 1): Promise<RuntimeOwner> {
  const port = await freePort('127.0.0.1');
  try {
    Runtime.install({
      logger: new TemporalLoggerAdapter(logger.child({ component: 'temporal' })),
      telemetryOptions: {
        logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
        metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } },
      },
    });
    return 'breakwater';
  } catch (error) {
    const portTaken = error instanceof Error && /address already in use/i.test(error.message);
    if (portTaken && attempt < BIND_ATTEMPTS) return install(logger, attempt + 1);
    if (!(error instanceof IllegalStateError)) throw error;
    const address = temporalMetricsAddress();
    const metrics = address
      ? `temporal_* metrics come from its Prometheus exporter (${address}), served behind /metrics`
      : 'temporal_* metrics are not on /metrics (its Runtime exports no Prometheus metrics)';
    logger.warn(
      `Temporal Runtime installed by the application before Breakwater: SDK and core logs go to the application's logger and ${metrics}; Breakwater's own logs stay on Breakwater's logger`,
    );
    return 'application';
  }
}

/** host:port of the Runtime's Prometheus exporter, whoever installed it; undefined when it has none. */
function temporalMetricsAddress(): string | undefined {
  const metrics = Runtime.defaultOptions.telemetryOptions?.metrics;
  if (!metrics || !('prometheus' in metrics)) return undefined;
  return metrics.prometheus.bindAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
}

/**
 * The Runtime's `temporal_*` series as Prometheus text, or nothing when it exports none or does
 * not answer in time (the Runtime shuts down while no worker or connection uses it).
 */
export async function scrapeTemporalMetrics(): Promise<string> {
  const address = temporalMetricsAddress();
  if (!address) return '';
  try {
    const response = await fetch(`http://${address}/metrics`, {
      signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS),
    });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}
