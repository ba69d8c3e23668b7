/** A real Prometheus server (Debian's `prometheus`) on a free port, and the parts of its HTTP API the tests read. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ManagedProcess } from '../../src/testing/child-process';
import { freePort } from '../../src/free-port';
import { eventually } from './harness';

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface ActiveAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

export class PrometheusServer {
  private constructor(
    readonly url: string,
    private readonly process: ManagedProcess,
  ) {}

  /** Writes `config` (and `rules`, referenced as `alerts.yml`) into `dir` and starts Prometheus on it. */
  static async start(dir: string, config: object, rules?: object): Promise<PrometheusServer> {
    const configPath = join(dir, 'prometheus.yml');
    writeFileSync(configPath, stringify(rules ? { ...config, rule_files: ['alerts.yml'] } : config));
    if (rules) writeFileSync(join(dir, 'alerts.yml'), stringify(rules));
    const port = await freePort('127.0.0.1');
    const process = ManagedProcess.spawn(
      'prometheus',
      'prometheus',
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { logFile: join(dir, 'prometheus.log') },
    );
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, process);
    try {
      await eventually(async () => ((await fetch(`${server.url}/-/ready`)).ok ? true : undefined), 30_000);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** An instant query's vector. */
  async query(expression: string): Promise<Sample[]> {
    const body = await this.get<{
      resultType: string;
      result: Array<{ metric: Record<string, string>; value: [number, string] }>;
    }>(`/api/v1/query?query=${encodeURIComponent(expression)}`);
    if (body.resultType !== 'vector') throw new Error(`${expression}: a ${body.resultType}, not a vector`);
    return body.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  }

  /** Alerts pending or firing now. */
  async alerts(): Promise<ActiveAlert[]> {
    return (await this.get<{ alerts: ActiveAlert[] }>('/api/v1/alerts')).alerts;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  }
}
