/**
 * File mode defers the template checks (and with them the prompt screener) to the first policy
 * that has templates; deferring must never let a bad template through.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SidecarMetrics } from '../metrics.ts';
import { FileSource, loadPolicies, loadTemplateChecks } from './file-source.ts';
import { PolicySet } from './policy-set.ts';

const example = (name: string) =>
  readFileSync(new URL(`../../examples/tenants/${name}.yaml`, import.meta.url), 'utf8');
// acme-legal has a prompt template; hobby-free has none.
const WITH_TEMPLATE = example('acme-legal');
const WITHOUT_TEMPLATE = example('hobby-free');
// The same template with a variable its allowlist does not have.
const BAD_TEMPLATE = WITH_TEMPLATE.replace('{{tenant_name}}', '{{not_allowed}}');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-file-source-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function source(): { fileSource: FileSource; set: PolicySet } {
  const set = new PolicySet();
  const fileSource = new FileSource({
    path: dir,
    set,
    log: pino({ level: 'silent' }),
    metrics: new SidecarMetrics(Date.now),
    now: Date.now,
    debounceMs: 50,
  });
  return { fileSource, set };
}

describe('loadPolicies without template checks', () => {
  it.each([
    ['a policy with templates', WITH_TEMPLATE, true],
    ['a policy without templates', WITHOUT_TEMPLATE, false],
  ])('%s → needsTemplateChecks: %s', (_name, yaml, needs) => {
    writeFileSync(join(dir, 'tenant.yaml'), yaml);
    expect(loadPolicies(dir, new Date()).needsTemplateChecks).toBe(needs);
  });

  it('does not ask for them when the policy is invalid for another reason', () => {
    writeFileSync(join(dir, 'tenant.yaml'), WITH_TEMPLATE.replace('tier: enterprise', 'tier: platinum'));
    const result = loadPolicies(dir, new Date());
    expect(result.issues.map((i) => i.path)).toContain('spec.tier');
    expect(result.needsTemplateChecks).toBe(false);
  });

  it('with them, finds the bad template', async () => {
    writeFileSync(join(dir, 'tenant.yaml'), BAD_TEMPLATE);
    const result = loadPolicies(dir, new Date(), await loadTemplateChecks());
    expect(result.needsTemplateChecks).toBe(false);
    expect(result.issues.map((i) => i.path)).toEqual(['spec.promptTemplates[0].template']);
  });
});

describe('FileSource loads the template checks when a policy needs them', () => {
  it('refuses to start on a bad template', async () => {
    writeFileSync(join(dir, 'tenant.yaml'), BAD_TEMPLATE);
    const { fileSource, set } = source();
    await expect(fileSource.start()).rejects.toMatchObject({ code: 'SLUICE_POLICY_INVALID' });
    expect(set.ready()).toBe(false);
    fileSource.close();
  });

  it('starts with a good template, then keeps the last good set when a reload brings a bad one', async () => {
    writeFileSync(join(dir, 'tenant.yaml'), WITH_TEMPLATE);
    const { fileSource, set } = source();
    await fileSource.start();
    try {
      expect(set.peek('acme-legal')?.policy.version).toBeDefined();
      writeFileSync(join(dir, 'tenant.yaml'), BAD_TEMPLATE);
      expect(await fileSource.reload()).toBe(false);
      expect(set.peek('acme-legal')).toBeDefined();
    } finally {
      fileSource.close();
    }
  });
});
