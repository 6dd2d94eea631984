import { describe, expect, it } from 'vitest';
import { OperatorMetrics, serveMetrics } from './metrics.ts';

describe('operator metrics listener', () => {
  it('serves the metrics and says ready only once the caches synced', async () => {
    let depth = 3;
    let synced = false;
    const metrics = new OperatorMetrics(() => depth);
    metrics.reconciles.inc({ result: 'ok' });
    const server = await serveMetrics(metrics, 0, () => synced);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain('sluice_operator_reconciles_total{result="ok"} 1');
      expect(text).toContain('sluice_operator_workqueue_depth 3');
      depth = 0;
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('sluice_operator_workqueue_depth 0');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      synced = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
