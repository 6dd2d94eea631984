/**
 * Issue 12: internal faults answered SLUICE_UPSTREAM_UNAVAILABLE, blaming the app for Sluice's
 * own bug. A fault inside the ingress (here: the limiter throwing a TypeError, as a bug would) is
 * 500 SLUICE_INTERNAL, logged once with its stack; the app receives nothing, and the next request
 * is served normally. The egress side is in sidecar/egress/failure-attribution.test.ts.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleKeys, type SidecarRig, startSidecarRig } from './rig.ts';

describe('a fault of Sluice on the ingress', () => {
  let rig: SidecarRig;
  const lines: { level: number; msg: string; err?: { stack?: string } }[] = [];

  beforeAll(async () => {
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    rig = await startSidecarRig({ log });
  });
  afterAll(async () => rig?.close());

  it('regression: is 500 SLUICE_INTERNAL logged once with a stack, not SLUICE_UPSTREAM_UNAVAILABLE', async () => {
    const key = exampleKeys().get('acme-legal')!;
    const limiter = rig.sidecar.limiter;
    const take = limiter.take.bind(limiter);
    limiter.take = () => {
      throw new TypeError('a bug in Sluice');
    };
    const before = rig.app.stats.requests;
    const call = () =>
      fetch(`${rig.ingress}/v1/answer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{"query":"q"}',
      });
    try {
      const r = await call();
      expect(r.status).toBe(500);
      expect(await r.json()).toMatchObject({ error: { code: 'SLUICE_INTERNAL' } });
    } finally {
      limiter.take = take;
    }
    expect(rig.app.stats.requests).toBe(before);
    const logged = lines.filter((l) => l.err?.stack?.includes('a bug in Sluice'));
    expect(logged).toHaveLength(1);
    expect(logged[0]!.level).toBeGreaterThanOrEqual(50);
    expect((await call()).status).toBe(200);
  });
});
