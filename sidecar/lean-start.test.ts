/**
 * Only load what runs (docs/adr/0028-lean-data-plane.md): a sidecar loads the egress when the
 * egress is on, and never Fastify's schema compilers (it declares no route schema). Each module
 * a sidecar loads is memory paid in every pod. The Redis-mode half is lean-start.int.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sidecarModules } from '../test/support/sidecar-modules.ts';

// A tenant from the examples: policies from files are validated and their keys read (file mode).
const POLICY = readFileSync(new URL('../examples/tenants/hobby-free.yaml', import.meta.url), 'utf8');

const EGRESS = 'sidecar/egress/app.ts';
const SCHEMA_COMPILERS = [
  'node_modules/@fastify/ajv-compiler/',
  'node_modules/@fastify/fast-json-stringify-compiler/',
];

describe('what a file-mode sidecar loads at start', () => {
  let dir: string;
  const started: Record<'on' | 'off', string[]> = { on: [], off: [] };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-lean-'));
    writeFileSync(join(dir, 'acme.yaml'), POLICY);
    const common = ['--policies', dir, '--upstream', 'http://127.0.0.1:9'];
    started.off = await sidecarModules([...common, '--egress', 'off']);
    started.on = await sidecarModules([...common, '--egress-port', '0']);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the egress only when the egress is on', () => {
    expect(started.off).not.toContain(EGRESS);
    expect(started.off.filter((m) => m.startsWith('sidecar/egress/routes/'))).toEqual([]);
    expect(started.on).toContain(EGRESS);
  });

  it.each(['on', 'off'] as const)("never loads Fastify's schema compilers (egress %s)", (egress) => {
    expect(started[egress].length).toBeGreaterThan(100);
    expect(started[egress].filter((m) => SCHEMA_COMPILERS.some((c) => m.startsWith(c)))).toEqual([]);
  });

  // Through the image's entrypoint (`sluice sidecar`): the other commands' modules stay unloaded
  // (regression: cli/sluice.ts imported every command, and the sidecar loaded the operator's
  // Kubernetes client, 1,928 modules instead of 898).
  it.each(['on', 'off'] as const)('loads no other command of the CLI (egress %s)', (egress) => {
    const others = started[egress].filter(
      (m) =>
        m.startsWith('node_modules/@kubernetes/') ||
        m.startsWith('operator/') ||
        m.startsWith('cli/noisy-neighbor') ||
        m.startsWith('cli/plugin/commands/') ||
        m === 'cli/operator.ts' ||
        m === 'cli/validate.ts' ||
        m === 'cli/prompt-check.ts',
    );
    expect(others).toEqual([]);
    expect(started[egress]).toContain('cli/sluice.ts');
  });

  it('loads what file mode needs: YAML and policy validation', () => {
    expect(started.off).toContain('policy/schema/validate.ts');
    expect(started.off.some((m) => m.startsWith('node_modules/yaml/'))).toBe(true);
  });
});
