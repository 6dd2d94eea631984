/**
 * Copies the sidecars' cumulative per-day usage counters from Redis into Postgres. The rows are
 * absolute totals (not deltas) upserted with GREATEST, so a rollup that dies between reading and
 * writing simply happens again next time: nothing is lost and nothing is counted twice.
 */
import type { Logger } from 'pino';
import { usageRows } from './reconcile/usage.ts';
import type { PostgresStore } from './stores/postgres.ts';
import type { RedisStore } from './stores/redis.ts';

export async function rollupOnce(redis: RedisStore, pg: PostgresStore, now: Date): Promise<number> {
  const rows = usageRows(await redis.readUsage());
  await pg.upsertUsage(rows, now);
  return rows.length;
}

export class UsageRollup {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private readonly run: () => Promise<void>;
  private readonly intervalMs: number;

  constructor(redis: RedisStore, pg: PostgresStore, log: Logger, intervalMs: number, now: () => Date) {
    this.intervalMs = intervalMs;
    this.run = async () => {
      try {
        const rows = await rollupOnce(redis, pg, now());
        log.debug({ rows }, 'usage rollup done');
      } catch (error) {
        log.warn({ err: String(error) }, 'usage rollup failed; the next one copies the same totals');
      }
    };
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.run().finally(() => {
        this.running = null;
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
