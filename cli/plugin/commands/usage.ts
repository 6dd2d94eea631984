/**
 * `kubectl sluice usage --from 2026-11-01 --to 2026-12-01 [--tenant T] -o csv|json|table`:
 * LLM requests, input/output tokens and cost per tenant, UTC day, provider and model, from the
 * operator's Postgres rollups — a usage report without a billing system.
 */

import type { UsageQuery, UsageReport, UsageReportRow } from '../../../operator/stores/usage-report.ts';
import { SluiceError } from '../../../policy/errors.ts';
import type { Command, CommandContext } from '../command.ts';
import { nearest } from '../flags.ts';
import { csvRecords, json, table, thousands, usd, usdDecimal, yaml } from '../output.ts';
import { DATABASE_FLAG, redactUrl, storeError } from '../stores.ts';

export const CSV_HEADER = [
  'day',
  'tenant_id',
  'provider',
  'model',
  'requests',
  'input_tokens',
  'output_tokens',
  'cost_usd',
] as const;

export const usage: Command = {
  name: 'usage',
  positionals: [],
  flags: [
    {
      name: 'from',
      type: 'date',
      placeholder: 'YYYY-MM-DD',
      help: 'first day, inclusive (UTC; default: the 1st of this month)',
    },
    {
      name: 'to',
      type: 'date',
      placeholder: 'YYYY-MM-DD',
      help: 'day after the last, exclusive (UTC; default: tomorrow)',
    },
    {
      name: 'tenant',
      type: 'string',
      placeholder: 'TENANT',
      help: 'one tenant: its tenant id, or the name of its TenantPolicy in -n',
    },
    {
      name: 'output',
      short: 'o',
      type: 'enum',
      values: ['table', 'csv', 'json', 'yaml'],
      default: 'table',
      placeholder: 'table|csv|json|yaml',
      help: 'output format; csv has a header row, ISO dates, RFC 4180 quoting, cost in USD',
    },
    DATABASE_FLAG,
  ],
  examples: [
    'kubectl sluice usage --from 2026-11-01 --to 2026-12-01 -o csv > november.csv',
    'kubectl sluice usage --tenant acme-legal -o json',
  ],
  notes: [
    '--to is exclusive: --from 2026-11-01 --to 2026-12-01 is November. Requests are LLM calls through the sidecars’ egress. The operator copies the counters to Postgres every --rollup-interval-ms, so today lags by that much.',
  ],
  run,
};

async function run(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const today = new Date(ctx.now());
  const from =
    (v['from'] as string | undefined) ??
    new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const to =
    (v['to'] as string | undefined) ??
    new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1))
      .toISOString()
      .slice(0, 10);
  if (to <= from) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `--to ${to} must be after --from ${from} (--to is exclusive)`,
    );
  }
  const url = v['database-url'] as string | undefined;
  if (!url) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      "usage reads the operator's Postgres: give --database-url (or DATABASE_URL)",
    );
  }
  let report: UsageReport;
  try {
    const { UsageReport } = await import('../../../operator/stores/usage-report.ts');
    report = await UsageReport.connect(url);
  } catch (error) {
    throw storeError('Postgres', url, error);
  }
  try {
    const query: UsageQuery = { from, to, tenantIds: [] };
    const ref = v['tenant'] as string | undefined;
    if (ref) {
      const namespace = (v['namespace'] as string | undefined) ?? (await safeNamespace(ctx));
      query.tenantIds = await report.tenantIdsFor(ref, namespace);
      if (query.tenantIds.length === 0) {
        const guess = nearest(ref, await report.knownTenants());
        throw new SluiceError(
          'SLUICE_TENANT_NOT_FOUND',
          `tenant ${JSON.stringify(ref)}: Postgres has no tenant with that id and no TenantPolicy ${namespace}/${ref}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}`,
        );
      }
    }
    const output = v['output'] as string;
    const rows: UsageReportRow[] = [];
    if (output === 'csv') {
      // Streamed: the header first, then each row as Postgres hands it over.
      ctx.io.stdout.write(csvRecords([CSV_HEADER]));
      for await (const r of report.rows(query)) ctx.io.stdout.write(csvRecords([csvRow(r)]));
    } else for await (const r of report.rows(query)) rows.push(r);
    const rolledUp = await report.lastRollup(query);
    if (output === 'csv') return note(ctx, rolledUp);
    const totals = rows.reduce(
      (t, r) => ({
        requests: t.requests + r.requests,
        inputTokens: t.inputTokens + r.inputTokens,
        outputTokens: t.outputTokens + r.outputTokens,
        costMicroUsd: t.costMicroUsd + r.costMicroUsd,
      }),
      { requests: 0, inputTokens: 0, outputTokens: 0, costMicroUsd: 0 },
    );
    if (output === 'json' || output === 'yaml') {
      const doc = {
        kind: 'UsageReport',
        from,
        to,
        tenantIds: query.tenantIds,
        rolledUpAt: rolledUp,
        items: rows.map((r) => ({ ...r, costUsd: usdDecimal(r.costMicroUsd) })),
        totals: { ...totals, costUsd: usdDecimal(totals.costMicroUsd) },
      };
      ctx.io.stdout.write(output === 'json' ? json(doc) : yaml(doc));
      return 0;
    }
    if (rows.length === 0) ctx.io.stdout.write(`No usage from ${from} to ${to} (exclusive).\n`);
    else {
      const cells = rows.map((r) => [
        r.day,
        r.tenantId,
        r.provider,
        r.model,
        thousands(r.requests),
        thousands(r.inputTokens),
        thousands(r.outputTokens),
        usd(r.costMicroUsd),
      ]);
      cells.push([
        'TOTAL',
        '',
        '',
        '',
        thousands(totals.requests),
        thousands(totals.inputTokens),
        thousands(totals.outputTokens),
        usd(totals.costMicroUsd),
      ]);
      ctx.io.stdout.write(
        table(
          ['day', 'tenant', 'provider', 'model', 'requests', 'input tokens', 'output tokens', 'cost'],
          cells,
        ),
      );
    }
    return note(ctx, rolledUp);
  } catch (error) {
    throw storeError('Postgres', redactUrl(url), error);
  } finally {
    await report.close();
  }
}

function csvRow(r: UsageReportRow): (string | number)[] {
  return [
    r.day,
    r.tenantId,
    r.provider,
    r.model,
    r.requests,
    r.inputTokens,
    r.outputTokens,
    usdDecimal(r.costMicroUsd),
  ];
}

function note(ctx: CommandContext, rolledUp: string | null): number {
  if (rolledUp) ctx.io.stderr.write(`(usage as rolled up by the operator at ${rolledUp})\n`);
  return 0;
}

/** The kubeconfig's namespace when a kubeconfig is there; "default" when not (usage needs no cluster). */
async function safeNamespace(ctx: CommandContext): Promise<string> {
  try {
    return (await ctx.cluster()).namespace;
  } catch {
    return 'default';
  }
}
