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

  it('loads what file mode needs: YAML and policy validation', () => {
    expect(started.off).toContain('policy/schema/validate.ts');
    expect(started.off.some((m) => m.startsWith('node_modules/yaml/'))).toBe(true);
  });
});
