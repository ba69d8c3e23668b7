/**
 * Delivers the alert events the scripts raise (`lua/_alerts.lua`) to `ALERT_WEBHOOK_URL`: a JSON POST
 * each. Every worker with a webhook reads the alert stream through one consumer group, so each event
 * is posted by one worker; a failed POST is retried with jittered backoff, and the events of a
 * worker that died before posting them are claimed by another after `CLAIM_IDLE_MS`.
 *
 * The body is `{ id, event, at, ... }`: `id` is the event's stream id, the same on a retry, so a
 * receiver that must never see an event twice (a worker dying between the POST and its record) can
 * drop a repeated id.
 */
import { jitteredBackoffMs, type RetrySettings } from '../backoff';
import { errorMessage } from '../error-message';
import type { Logger } from '../observability/logger';
import type { RedisConnection } from '../redis/connection';
import type { KeySpace } from '../redis/keys';

/** The consumer group every worker reads the alert stream in. */
export const ALERT_GROUP = 'alert-webhook';
/** How long an event may stay unacknowledged by a worker before another claims it. */
export const CLAIM_IDLE_MS = 300_000;
const POLL_MS = 250;
const BATCH = 20;
const POST_TIMEOUT_MS = 5000;
export const ALERT_RETRY: RetrySettings = {
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
  maximumIntervalMs: 60_000,
  maximumAttempts: 10,
  retryAfterCapMs: 60_000,
};

export interface AlertDispatcherOptions {
  redis: RedisConnection;
  keys: KeySpace;
  webhookUrl: string;
  /** This worker's name in the consumer group. */
  consumer: string;
  logger: Logger;
  retry?: RetrySettings;
}

type StreamEntry = [id: string, fields: string[]];
type StreamReply = Array<[stream: string, entries: StreamEntry[]]> | null;

/** An event this worker tried to post and must try again. */
interface Retrying {
  attempts: number;
  nextAt: number;
}

export class AlertDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly retrying = new Map<string, Retrying>();
  private readonly stream: string;
  private joined = false;

  constructor(private readonly options: AlertDispatcherOptions) {
    this.stream = options.keys.key('alertStream');
  }

  /**
   * Joins the consumer group (creating it at the stream's end: events raised before any worker had a
   * webhook are not posted) and polls until `stop()`. Throws when Redis is unreachable; polling then
   * joins once it answers.
   */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.poll()
        .catch((error: unknown) =>
          this.options.logger.warn({ err: errorMessage(error) }, 'alert poll failed'),
        )
        .finally(() => (this.running = undefined));
    }, POLL_MS);
    this.timer.unref();
    await this.join();
  }

  private async join(): Promise<void> {
    try {
      await this.options.redis.xgroup('CREATE', this.stream, ALERT_GROUP, '$', 'MKSTREAM');
    } catch (error) {
      if (!/BUSYGROUP/.test(errorMessage(error))) throw error;
    }
    this.joined = true;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async poll(): Promise<void> {
    const { redis, consumer } = this.options;
    if (!this.joined) await this.join();
    // Own events not yet posted (retries), then those of a worker gone quiet, then new ones.
    await this.deliverAll(await this.readGroup('0'));
    const [, claimed] = (await redis.xautoclaim(
      this.stream,
      ALERT_GROUP,
      consumer,
      CLAIM_IDLE_MS,
      '0-0',
      'COUNT',
      BATCH,
    )) as [string, StreamEntry[]];
    await this.deliverAll(claimed);
    await this.deliverAll(await this.readGroup('>'));
  }

  /** This worker's pending events (`from` 0), or events no worker was given yet (`from` >). */
  private async readGroup(from: '0' | '>'): Promise<StreamEntry[]> {
    const { redis, consumer } = this.options;
    const reply = (await redis.xreadgroup(
      'GROUP',
      ALERT_GROUP,
      consumer,
      'COUNT',
      BATCH,
      'STREAMS',
      this.stream,
      from,
    )) as StreamReply;
    return reply?.[0]?.[1] ?? [];
  }

  private async deliverAll(entries: StreamEntry[]): Promise<void> {
    for (const entry of entries) await this.deliver(entry);
  }

  private async deliver([id, fields]: StreamEntry): Promise<void> {
    const retrying = this.retrying.get(id);
    if (retrying && Date.now() < retrying.nextAt) return;
    const attempts = (retrying?.attempts ?? 0) + 1;
    const data = fields[fields.indexOf('data') + 1] ?? '{}';
    const { logger } = this.options;
    let problem: string | undefined;
    try {
      const response = await fetch(this.options.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...(JSON.parse(data) as Record<string, unknown>), id }),
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (!response.ok) problem = `HTTP ${response.status}`;
    } catch (error) {
      problem = errorMessage(error);
    }
    const retry = this.options.retry ?? ALERT_RETRY;
    if (problem !== undefined && attempts < retry.maximumAttempts) {
      const delayMs = jitteredBackoffMs(attempts, retry);
      this.retrying.set(id, { attempts, nextAt: Date.now() + delayMs });
      logger.warn(
        { alertId: id, attempts, nextDelayMs: delayMs, problem },
        'alert webhook failed; will retry',
      );
      return;
    }
    if (problem !== undefined) {
      logger.error({ alertId: id, attempts, problem, alert: data }, 'alert webhook failed; alert dropped');
    }
    this.retrying.delete(id);
    await this.options.redis.xack(this.stream, ALERT_GROUP, id);
  }
}
