/**
 * The TenantPolicy API on a real kube-apiserver: the generated CRD installs, every example is
 * accepted and listed with the printer columns, every invalid example is refused by the API
 * server itself — with a message naming the field — and `sluice validate` agrees with it.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../policy/documents.ts';
import { validateTenantPolicy } from '../../policy/schema/validate.ts';
import { kubectl } from '../harness/env.ts';
import { installCrd } from '../support/operator-suite.ts';

const root = new URL('../../', import.meta.url).pathname;
// A fresh namespace per run: the test control plane runs no namespace controller, so a deleted
// namespace with objects in it stays Terminating for ever and its name cannot be reused.
const NS = `sluice-crd-test-${randomBytes(4).toString('hex')}`;
const invalid = readdirSync(`${root}examples/invalid`).filter((f) => f.endsWith('.yaml'));

describe('TenantPolicy CRD on the real API server', () => {
  beforeAll(async () => {
    await installCrd();
    expect((await kubectl(['create', 'namespace', NS])).code).toBe(0);
  });

  afterAll(async () => {
    await kubectl(['delete', 'tenantpolicies,secrets', '--all', '-n', NS, '--wait=false']);
    await kubectl(['delete', 'namespace', NS, '--wait=false']);
  });

  it('accepts every example tenant and lists it with the printer columns', async () => {
    const applied = await kubectl(['apply', '-n', NS, '-f', `${root}examples/tenants/`]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const listed = await kubectl(['get', 'tenantpolicies', '-n', NS]);
    const [header, ...rows] = listed.stdout.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual([
      'NAME',
      'TENANT',
      'TIER',
      'MODEL',
      'REQ/H',
      'OVERRIDE',
      'READY',
      'AGE',
    ]);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 4))).toContainEqual([
      'acme-legal',
      'acme-legal',
      'enterprise',
      'gpt-4',
    ]);
    expect(rows).toHaveLength(5);
  });

  it('explains spec.limits from the field descriptions', async () => {
    const explained = await kubectl(['explain', 'tenantpolicy.spec.limits']);
    expect(explained.stdout).toContain('Request rate across all replicas');
    expect(explained.stdout).toMatch(/maxConcurrency\s+<integer>/);
  });

  it.each(invalid)('refuses examples/invalid/%s, naming the field, as sluice validate does', async (file) => {
    const text = readFileSync(`${root}examples/invalid/${file}`, 'utf8');
    const field = /^# expect-field: (\S+)/m.exec(text)![1]!;
    const result = await kubectl(['apply', '-n', NS, '-f', `${root}examples/invalid/${file}`]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(field);
    const offline = validateTenantPolicy(parseYamlDocuments(text, file).objects[0]!.object);
    expect(offline.valid).toBe(false);
    expect(offline.issues.map((i) => i.path)).toContain(field);
  });
});
