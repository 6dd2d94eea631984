/**
 * Usage for reports, read-only: the daily rollups (usage_daily) pivoted to one row per tenant,
 * UTC day, provider and model, read through a server-side cursor so a year of a thousand tenants
 * streams instead of landing in memory at once. Runs in a READ ONLY transaction: a reporting
 * user needs only SELECT on usage_daily and tenants (docs/operations.md).
 */
import pg from 'pg';

export interface UsageReportRow {
  day: string;
  tenantId: string;
  provider: string;
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
}

export interface UsageQuery {
  /** Inclusive, YYYY-MM-DD (UTC). */
  from: string;
  /** Exclusive, YYYY-MM-DD (UTC). */
  to: string;
  /** Only these tenant ids (empty = all). */
  tenantIds: string[];
}

const SQL = `
SELECT to_char(day, 'YYYY-MM-DD') AS day, tenant_id, provider, model,
       COALESCE(SUM(value) FILTER (WHERE metric = 'requests'), 0)::text          AS requests,
       COALESCE(SUM(value) FILTER (WHERE metric = 'prompt_tokens'), 0)::text     AS input_tokens,
       COALESCE(SUM(value) FILTER (WHERE metric = 'completion_tokens'), 0)::text AS output_tokens,
       COALESCE(SUM(value) FILTER (WHERE metric = 'cost_micro_usd'), 0)::text    AS cost_micro_usd
  FROM usage_daily
 WHERE day >= $1::date AND day < $2::date AND (cardinality($3::text[]) = 0 OR tenant_id = ANY($3::text[]))
 GROUP BY day, tenant_id, provider, model
 ORDER BY day, tenant_id, provider, model`;

export class UsageReport {
  private readonly client: pg.Client;

  private constructor(client: pg.Client) {
    this.client = client;
  }

  static async connect(url: string): Promise<UsageReport> {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 5_000,
      application_name: 'kubectl-sluice',
    });
    client.on('error', () => {});
    await client.connect();
    return new UsageReport(client);
  }

  /** Rows in order, `batch` at a time. */
  async *rows(query: UsageQuery, batch = 5_000): AsyncGenerator<UsageReportRow> {
    const c = this.client;
    await c.query('BEGIN TRANSACTION READ ONLY');
    try {
      await c.query(`DECLARE usage_report NO SCROLL CURSOR FOR ${SQL}`, [
        query.from,
        query.to,
        query.tenantIds,
      ]);
      for (;;) {
        const { rows } = await c.query(`FETCH ${batch} FROM usage_report`);
        for (const r of rows) {
          yield {
            day: r.day,
            tenantId: r.tenant_id,
            provider: r.provider,
            model: r.model,
            requests: Number(r.requests),
            inputTokens: Number(r.input_tokens),
            outputTokens: Number(r.output_tokens),
            costMicroUsd: Number(r.cost_micro_usd),
          };
        }
        if (rows.length < batch) break;
      }
      await c.query('COMMIT');
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** When the newest rollup in the range was written (usage lags by the rollup interval). */
  async lastRollup(query: UsageQuery): Promise<string | null> {
    const { rows } = await this.client.query(
      `SELECT max(updated_at) AS at FROM usage_daily WHERE day >= $1::date AND day < $2::date`,
      [query.from, query.to],
    );
    return rows[0]?.at ? new Date(rows[0].at).toISOString() : null;
  }

  /** Tenant ids for a name: the tenant id itself, or the TenantPolicy "namespace/name" it came from. */
  async tenantIdsFor(ref: string, namespace: string): Promise<string[]> {
    const { rows } = await this.client.query(
      `SELECT tenant_id FROM tenants WHERE tenant_id = $1 OR source = $2
       UNION SELECT tenant_id FROM usage_daily WHERE tenant_id = $1`,
      [ref, `${namespace}/${ref}`],
    );
    return rows.map((r) => r.tenant_id as string);
  }

  /** Tenant ids the operator knows (for "did you mean"). */
  async knownTenants(): Promise<string[]> {
    const { rows } = await this.client.query('SELECT tenant_id FROM tenants ORDER BY 1 LIMIT 10000');
    return rows.map((r) => r.tenant_id as string);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
