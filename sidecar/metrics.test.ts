import { describe, expect, it } from 'vitest';
import { SidecarMetrics } from './metrics.ts';

/** One sample of `name` (a histogram's: `name_bucket` with `le`) from the registry's JSON. */
const sample = async (m: SidecarMetrics, name: string, labels: Record<string, string>) => {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const values = (metric?.values ?? []) as {
    labels: Record<string, string | number>;
    value: number;
    metricName?: string;
  }[];
  const series = 'le' in labels ? `${name}_bucket` : name;
  return values.find(
    (v) =>
      (v.metricName ?? name) === series &&
      Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x),
  )?.value;
};

describe('SidecarMetrics bound series (the request path builds no label set)', () => {
  it('binds once per policy object and reuses the series across policy versions with the same labels', () => {
    const m = new SidecarMetrics();
    const v1 = { tenantId: 'acme', tier: 'pro' };
    const v2 = { tenantId: 'acme', tier: 'pro' };
    expect(m.series(v1)).toBe(m.series(v1));
    expect(m.series(v2)).toBe(m.series(v1));
    // A new tier is a new series.
    expect(m.series({ tenantId: 'acme', tier: 'enterprise' })).not.toBe(m.series(v1));
  });

  it('counts into the labelled series the scrape shows', async () => {
    const m = new SidecarMetrics();
    const policy = { tenantId: 'acme', tier: 'pro' };
    const s = m.series(policy);
    s.admitted.inc();
    s.admitted.inc();
    s.upstreamError.inc();
    s.upstreamLatency.observe(0.02);
    s.queueWait.observe(0);
    m.outcome('acme', 'pro', 'admitted');
    expect(
      await sample(m, 'sluice_requests_total', { tenant: 'acme', tier: 'pro', outcome: 'admitted' }),
    ).toBe(3);
    expect(await sample(m, 'sluice_requests_total', { outcome: 'upstream_error' })).toBe(1);
    expect(
      await sample(m, 'sluice_upstream_latency_seconds', { tenant: 'acme', tier: 'pro', le: '0.025' }),
    ).toBe(1);
    expect(await sample(m, 'sluice_queue_wait_seconds', { tier: 'pro', le: '0.001' })).toBe(1);
  });

  it('reads the queue gauges from the queue at scrape time', async () => {
    const m = new SidecarMetrics();
    let stats = { waiting: 3, inFlight: 7 };
    m.watchQueue(() => stats);
    expect(await sample(m, 'sluice_queue_waiting', {})).toBe(3);
    expect(await sample(m, 'sluice_upstream_in_flight', {})).toBe(7);
    stats = { waiting: 0, inFlight: 1 };
    expect(await sample(m, 'sluice_queue_waiting', {})).toBe(0);
    expect(await sample(m, 'sluice_upstream_in_flight', {})).toBe(1);
    expect(await m.registry.metrics()).toMatch(/^sluice_upstream_in_flight 1$/m);
  });
});
