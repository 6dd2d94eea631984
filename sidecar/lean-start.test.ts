/**
 * Only load what runs (docs/adr/0028-lean-data-plane.md): a sidecar loads the egress when the
 * egress is on, and never Fastify's schema compilers (it declares no route schema). Each module
 * a sidecar loads is memory paid in every pod. The Redis-mode half is lean-start.int.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sidecarModules } from '../test/support/sidecar-modules.ts';

// A tenant from the examples: policies from files are validated and their keys read (file mode).
// hobby-free has no prompt template and no screening; acme-legal has both.
const POLICY = readFileSync(new URL('../examples/tenants/hobby-free.yaml', import.meta.url), 'utf8');
const TEMPLATED = readFileSync(new URL('../examples/tenants/acme-legal.yaml', import.meta.url), 'utf8');

const EGRESS = 'sidecar/egress/app.ts';
const SCHEMA_COMPILERS = [
  'node_modules/@fastify/ajv-compiler/',
  'node_modules/@fastify/fast-json-stringify-compiler/',
];

describe('what a file-mode sidecar loads at start', () => {
  let dir: string;
  const started: Record<'on' | 'off' | 'templates', string[]> = { on: [], off: [], templates: [] };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-lean-'));
    writeFileSync(join(dir, 'acme.yaml'), POLICY);
    const common = ['--policies', dir, '--upstream', 'http://127.0.0.1:9'];
    started.off = await sidecarModules([...common, '--egress', 'off']);
    started.on = await sidecarModules([...common, '--egress-port', '0']);
    // acme-legal has a prompt template: its checks need the screener.
    const withTemplates = join(dir, 'templates');
    mkdirSync(withTemplates);
    writeFileSync(join(withTemplates, 'acme.yaml'), TEMPLATED);
    started.templates = await sidecarModules([
      ...['--policies', withTemplates, '--upstream', 'http://127.0.0.1:9', '--egress', 'off'],
    ]);
  }, 90_000);
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

  // The screener (~100 modules) loads for a policy's templates or a request to screen, not at
  // start (regression: policy/schema/validate.ts imported it for every file-mode sidecar). With
  // the egress on it still loads at start: the egress renders templates with it
  // (sidecar/egress/templates.ts imports it statically).
  it('loads no prompt screener when no policy has templates (egress off)', () => {
    expect(started.off.filter((m) => m.startsWith('policy/prompt/'))).toEqual([]);
    expect(started.off).not.toContain('policy/schema/template-issues.ts');
    expect(started.on).not.toContain('policy/schema/template-issues.ts');
  });

  it('loads the template checks and the screener when a policy has templates', () => {
    expect(started.templates).toContain('policy/schema/template-issues.ts');
    expect(started.templates.some((m) => m.startsWith('policy/prompt/'))).toBe(true);
  });

  it('loads what file mode needs: YAML and policy validation', () => {
    expect(started.off).toContain('policy/schema/validate-spec.ts');
    expect(started.off.some((m) => m.startsWith('node_modules/yaml/'))).toBe(true);
  });
});
