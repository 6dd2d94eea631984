/**
 * Usage rollup, pure: the sidecars' cumulative per-day Redis hashes (policy/wire.ts:
 * "{provider}/{model}|{metric}" → count) → rows for an absolute upsert. Unknown metrics and
 * malformed fields are skipped, not guessed at.
 */
import { USAGE_METRICS, type UsageMetric } from '../../policy/wire.ts';

export interface UsageRow {
  day: string;
  tenantId: string;
  provider: string;
  model: string;
  metric: UsageMetric;
  value: number;
}

const METRICS = new Set<string>(USAGE_METRICS);

export function usageRows(
  hashes: { day: string; tenantId: string; fields: Record<string, string> }[],
): UsageRow[] {
  const rows: UsageRow[] = [];
  for (const h of hashes) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(h.day) || h.tenantId === '') continue;
    for (const [field, raw] of Object.entries(h.fields)) {
      const bar = field.lastIndexOf('|');
      const slash = field.indexOf('/');
      if (bar < 0 || slash <= 0 || slash > bar) continue;
      const metric = field.slice(bar + 1);
      if (!METRICS.has(metric)) continue;
      const value = Number(raw);
      if (!Number.isSafeInteger(value) || value < 0) continue;
      rows.push({
        day: h.day,
        tenantId: h.tenantId,
        provider: field.slice(0, slash),
        model: field.slice(slash + 1, bar),
        metric: metric as UsageMetric,
        value,
      });
    }
  }
  return rows;
}
