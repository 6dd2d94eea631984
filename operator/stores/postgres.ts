/**
 * The durable record in Postgres. Every write is idempotent (deterministic ids, absolute
 * upserts), so the outbox drain and the usage rollup may repeat after a crash without
 * doubling anything.
 */
import pg from 'pg';
import type { OutboxEvent } from '../reconcile/outbox-event.ts';
import type { UsageRow } from '../reconcile/usage.ts';
import { migrate } from './migrate.ts';

const ignore = () => {};

export class PostgresStore {
  readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 3_000 });
    this.pool.on('error', () => {
      // An idle client lost its connection; the next query gets a fresh one or fails visibly.
    });
  }

  migrate(): Promise<string[]> {
    return migrate(this.pool);
  }

  /** Applies outbox events in order, in one transaction. */
  async applyEvents(events: OutboxEvent[]): Promise<void> {
    const client = await this.pool.connect();
    // A checked-out client reports a dropped server as an 'error' event as well as by failing
    // its query; without a listener that event would crash the process (the query's rejection
    // is what we act on).
    client.on('error', ignore);
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      for (const e of events) await applyEvent(client, e);
      await client.query('COMMIT');
    } catch (error) {
      failed = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', ignore);
      // A failed client is discarded, not pooled: its connection may be the broken one.
      client.release(failed);
    }
  }

  /**
   * Absolute upsert of cumulative counters: the value is the day's total so far, never a
   * delta. GREATEST keeps a slower, older read from lowering a total a newer one wrote.
   */
  async upsertUsage(rows: UsageRow[], at: Date): Promise<void> {
    if (rows.length === 0) return;
    const client = await this.pool.connect();
    // A checked-out client reports a dropped server as an 'error' event as well as by failing
    // its query; without a listener that event would crash the process (the query's rejection
    // is what we act on).
    client.on('error', ignore);
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const values: unknown[] = [];
        const tuples = chunk.map((r, j) => {
          values.push(r.day, r.tenantId, r.provider, r.model, r.metric, r.value, at);
          const b = j * 7;
          return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7})`;
        });
        await client.query(
          `INSERT INTO usage_daily (day, tenant_id, provider, model, metric, value, updated_at) VALUES ${tuples.join(',')}
           ON CONFLICT (day, tenant_id, provider, model, metric)
           DO UPDATE SET value = GREATEST(usage_daily.value, EXCLUDED.value), updated_at = EXCLUDED.updated_at`,
          values,
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      failed = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', ignore);
      // A failed client is discarded, not pooled: its connection may be the broken one.
      client.release(failed);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function applyEvent(client: pg.PoolClient, e: OutboxEvent): Promise<void> {
  switch (e.type) {
    case 'audit':
      await client.query(
        `INSERT INTO audit_log (id, tenant_id, source, action, actor, reason, generation, version, at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (id) DO NOTHING`,
        [e.id, e.tenantId, e.source, e.action, e.actor, e.reason, e.generation, e.version, e.at],
      );
      return;
    case 'revision':
      await client.query(
        `INSERT INTO revisions (id, tenant_id, source, uid, generation, version, spec, effective, created_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (id) DO NOTHING`,
        [
          e.id,
          e.tenantId,
          e.source,
          e.uid,
          e.generation,
          e.version,
          JSON.stringify(e.spec),
          JSON.stringify(e.effective),
          e.at,
        ],
      );
      return;
    case 'tenant':
      await client.query(
        `INSERT INTO tenants (tenant_id, source, uid, generation, version, tier, suspended, spec, effective, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
         ON CONFLICT (tenant_id) DO UPDATE SET source = EXCLUDED.source, uid = EXCLUDED.uid,
           generation = EXCLUDED.generation, version = EXCLUDED.version, tier = EXCLUDED.tier,
           suspended = EXCLUDED.suspended, spec = EXCLUDED.spec, effective = EXCLUDED.effective,
           updated_at = EXCLUDED.updated_at`,
        [
          e.tenantId,
          e.source,
          e.uid,
          e.generation,
          e.version,
          e.tier,
          e.suspended,
          JSON.stringify(e.spec),
          JSON.stringify(e.effective),
          e.at,
        ],
      );
      return;
    case 'tenant-deleted':
      await client.query('DELETE FROM tenants WHERE tenant_id = $1 AND uid = $2', [e.tenantId, e.uid]);
      return;
  }
}
