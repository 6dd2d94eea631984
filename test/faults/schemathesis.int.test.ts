/**
 * schemathesis (Python; pip install -r test/faults/requirements.txt) against a real sidecar
 * (in-process, example tenants, fake app and providers), driven by the OpenAPI document the
 * sidecar serves: no server errors on the ingress, the egress or the admin surface. Skipped,
 * with the reason, when neither `st` nor `schemathesis` is on PATH.
 */
import { execFile, execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleKeys, type SidecarRig, startSidecarRig } from '../fuzz/rig.ts';

const script = new URL('./schemathesis.sh', import.meta.url).pathname;
const installed = (() => {
  for (const bin of ['st', 'schemathesis']) {
    try {
      execFileSync('bash', ['-c', `command -v ${bin}`]);
      return true;
    } catch {}
  }
  return false;
})();

function st(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      'bash',
      [script, ...args],
      { env: { ...process.env, ...env }, timeout: 240_000, maxBuffer: 8e6 },
      (e, so, se) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out: `${so}${se}` }),
    );
  });
}

describe.skipIf(!installed)('schemathesis against the sidecar', () => {
  let rig: SidecarRig;
  beforeAll(async () => {
    rig = await startSidecarRig();
  });
  afterAll(async () => rig?.close());

  it.each(['egress', 'admin'] as const)(
    '%s: no server errors',
    async (surface) => {
      const base = surface === 'egress' ? rig.egress : rig.admin;
      const r = await st([String(rig.sidecar.ports.admin), surface, base, '25']);
      if (r.code !== 0) console.log(r.out.slice(-4_000));
      expect(r.code).toBe(0);
    },
    240_000,
  );

  it('ingress (with a tenant key): no server errors', async () => {
    // schemathesis sends the bearer from the security scheme when given as a header.
    const key = exampleKeys().get('initech-research')!;
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        'bash',
        [
          '-c',
          `"$0" "$@" -H "Authorization: Bearer ${key}"`,
          script,
          String(rig.sidecar.ports.admin),
          'ingress',
          rig.ingress,
          '25',
        ],
        { timeout: 240_000, maxBuffer: 8e6 },
        (e, so, se) =>
          resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out: `${so}${se}` }),
      );
    });
    if (r.code !== 0) console.log(r.out.slice(-4_000));
    expect(r.code).toBe(0);
  }, 240_000);
});

if (!installed)
  console.log('schemathesis: not installed (pip install -r test/faults/requirements.txt); skipped');
