/**
 * Moves outbox events (Redis list, written with each record) into Postgres, oldest first. An
 * entry leaves the list only after Postgres committed it; the inserts are idempotent, so a
 * crash between commit and trim re-applies harmlessly. While Postgres is down the list grows,
 * sidecars are unaffected, and every TenantPolicy shows Degraded.
 */
import type { Logger } from 'pino';
import type { PostgresStore } from './stores/postgres.ts';
import type { RedisStore } from './stores/redis.ts';

const BATCH = 200;
// Trim only if the head is still what we read: a second drainer (a leadership hand-over in
// flight) must not trim entries it never applied.
const ACK = `if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1) return 1 end return 0`;

export class OutboxDrain {
  private readonly redis: RedisStore;
  private readonly pg: PostgresStore;
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly onHealth: (healthy: boolean, pending: number) => void;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private again = false;
  private active = false;
  healthy = true;

  constructor(
    redis: RedisStore,
    pg: PostgresStore,
    log: Logger,
    intervalMs: number,
    onHealth: (healthy: boolean, pending: number) => void,
  ) {
    this.redis = redis;
    this.pg = pg;
    this.log = log;
    this.intervalMs = intervalMs;
    this.onHealth = onHealth;
  }

  start(): void {
    this.active = true;
    this.kick();
  }

  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Drain now (coalesced with a drain in progress). */
  kick(): void {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = null;
      if (!this.active) return;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.timer = setTimeout(() => this.kick(), this.intervalMs);
    });
  }

  /** Applies everything queued; returns the number of events written. */
  async drain(): Promise<number> {
    let written = 0;
    try {
      for (;;) {
        const raw = await this.redis.redis.lrange(this.redis.outboxKey, 0, BATCH - 1);
        if (raw.length === 0) break;
        await this.pg.applyEvents(raw.map((s) => JSON.parse(s)));
        await this.redis.redis.eval(ACK, 1, this.redis.outboxKey, raw[0]!, raw.length);
        written += raw.length;
        if (raw.length < BATCH) break;
      }
      if (!this.healthy) this.log.info('postgres is back; outbox drained');
      this.setHealth(true, 0);
    } catch (error) {
      const pending = await this.redis.outboxLength().catch(() => -1);
      if (this.healthy)
        this.log.warn({ err: String(error), pending }, 'postgres write failed; outbox kept in Redis');
      this.setHealth(false, pending);
    }
    return written;
  }

  private setHealth(healthy: boolean, pending: number): void {
    this.healthy = healthy;
    this.onHealth(healthy, pending);
  }
}
