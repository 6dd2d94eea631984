import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderCrdYaml } from './crd-yaml.ts';
import { CRD_TARGETS } from './generate.ts';

describe('crds/tenantpolicy.yaml', () => {
  it.each(CRD_TARGETS)(
    '%s is what `make generate` writes from policy/schema (run it after a schema change)',
    (target) => {
      const committed = readFileSync(new URL(target, import.meta.url), 'utf8');
      expect(committed).toBe(renderCrdYaml());
    },
  );

  it('describes every field, so that kubectl explain is useful', () => {
    const crd = parse(renderCrdYaml());
    const root = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    const undocumented: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      if (!node['description']) undocumented.push(path);
      for (const [key, child] of Object.entries(
        (node['properties'] ?? {}) as Record<string, Record<string, unknown>>,
      )) {
        walk(child, `${path}.${key}`);
      }
      const items = node['items'] as Record<string, unknown> | undefined;
      if (items?.['properties']) {
        for (const [key, child] of Object.entries(
          items['properties'] as Record<string, Record<string, unknown>>,
        )) {
          walk(child, `${path}[].${key}`);
        }
      }
    };
    walk(root, 'spec');
    expect(undocumented).toEqual([]);
  });
});
