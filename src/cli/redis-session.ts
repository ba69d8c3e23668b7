/** The CLI's one Redis connection: opened on first use, given up on after a short wait, closed at the end. */
import { ConfigError, type BreakwaterConfig } from '../config';
import { closeRedis, createRedis, waitUntilReady, type RedisConnection } from '../redis/connection';
import { firstSecurityProblem } from '../redis/connection-security';

/** How long the CLI waits for Redis before it gives up. */
const REDIS_READY_TIMEOUT_MS = 3000;

/** Redis could not be reached: exit code 1. */
export class RedisUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnreachableError';
  }
}

/** REDIS_URL for messages: user name, password and query (which may carry credentials) are hidden. */
function displayRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hadCredentials = parsed.username !== '' || parsed.password !== '';
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    const shown = parsed.toString();
    return hadCredentials ? shown.replace('//', '//***@') : shown;
  } catch {
    return '(not shown)';
  }
}

/** Where the CLI looked for Redis, for messages (never a credential). */
function displayRedis(settings: BreakwaterConfig['redis']): string {
  const list = (nodes: Array<{ host: string; port: number }>) =>
    nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  if (settings.cluster) return `the Redis Cluster at ${list(settings.cluster.nodes)}`;
  if (settings.sentinel) {
    return `master '${settings.sentinel.masterName}' of REDIS_SENTINELS=${list(settings.sentinel.sentinels)}`;
  }
  return `REDIS_URL=${displayRedisUrl(settings.url)}`;
}

/** Opens one connection on first use and closes it at the end. */
export class RedisSession {
  private connection: Promise<RedisConnection> | undefined;
  private client: RedisConnection | undefined;

  constructor(private readonly settings: BreakwaterConfig['redis']) {}

  /**
   * The connection, ready; throws `RedisUnreachableError` when Redis does not answer in time, and
   * `ConfigError` naming the variable when it refuses the credentials or the TLS handshake.
   */
  get(): Promise<RedisConnection> {
    this.connection ??= this.connect();
    return this.connection;
  }

  async close(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (client.status === 'ready') await closeRedis(client);
    else client.disconnect();
  }

  private async connect(): Promise<RedisConnection> {
    const client = createRedis(this.settings);
    this.client = client;
    let lastError: Error | undefined;
    client.on('error', (error: Error) => {
      lastError = error;
    });
    const problem = await firstSecurityProblem(client, this.settings);
    if (problem) {
      client.disconnect();
      throw new ConfigError(problem.variable, problem.problem);
    }
    try {
      await waitUntilReady(client, REDIS_READY_TIMEOUT_MS);
    } catch {
      client.disconnect();
      throw new RedisUnreachableError(
        `cannot reach Redis at ${displayRedis(this.settings)} ` +
          `within ${REDIS_READY_TIMEOUT_MS} ms${lastError ? ` (${lastError.message})` : ''}`,
      );
    }
    return client;
  }
}
