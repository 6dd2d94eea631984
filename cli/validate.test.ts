import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../test/support/cli-io.ts';
import { validate } from './validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sluice validate', () => {
  it('checks files and directories: exit 0 when all are valid, 1 when one is not', async () => {
    const ok = captureIo();
    expect(await validate(['examples/tenants'], ok.io, {})).toBe(0);
    expect(ok.out()).toMatch(/ checked, 0 invalid\n$/);
    const bad = captureIo();
    expect(await validate(['examples/tenants', 'examples/invalid/bad-window.yaml'], bad.io, {})).toBe(1);
    expect(bad.out()).toContain('SLUICE_POLICY_INVALID');
  });

  it('prints its usage on --help and exits 0', async () => {
    const t = captureIo();
    expect(await validate(['--help'], t.io, {})).toBe(0);
    expect(t.out()).toContain('usage: sluice validate FILE|DIR...');
  });

  // Regression: every word starting with "-" was dropped, so a typo'd flag was silently ignored
  // and `sluice validate --strict x.yaml` passed as `sluice validate x.yaml`.
  it.each([
    [['--strict', 'examples/tenants'], 'unknown flag --strict'],
    [['-q', 'examples/tenants'], 'unknown flag -q'],
    [[], 'name at least one FILE or DIR'],
  ])('exits 2 with SLUICE_CONFIG_INVALID on %j', async (args, detail) => {
    const t = captureIo();
    expect(await validate(args, t.io, {})).toBe(2);
    expect(t.err()).toContain('SLUICE_CONFIG_INVALID');
    expect(t.err()).toContain(detail);
    expect(t.err()).toContain('usage: sluice validate');
  });

  it('reads a file whose name starts with "-" after "--"', async () => {
    const file = join(dir, '-odd.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n');
    const t = captureIo();
    expect(await validate(['--', file], t.io, {})).toBe(0);
    expect(t.out()).toContain('0 TenantPolicy object(s) checked, 0 invalid');
  });
});
