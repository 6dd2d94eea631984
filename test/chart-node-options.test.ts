/**
 * Every NODE_OPTIONS the chart sets by default is accepted by Node. Node refuses some V8 flags in
 * NODE_OPTIONS (for example --heap-growing-percent) and exits at once: the operator pods
 * crash-looped on a real node with such a default (test/e2e/node.sh found it).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const VALUES = new URL('../charts/sluice/values.yaml', import.meta.url);

/** Every `nodeOptions` string anywhere in the chart's values, with its path. */
function nodeOptions(value: unknown, path = ''): [string, string][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === 'nodeOptions' && typeof v === 'string' && v !== ''
      ? [[`${path}${key}`, v] as [string, string]]
      : nodeOptions(v, `${path}${key}.`),
  );
}

describe('chart NODE_OPTIONS', () => {
  const found = nodeOptions(parse(readFileSync(VALUES, 'utf8')));

  it('finds the operator default', () => {
    expect(found.map(([path]) => path)).toContain('operator.nodeOptions');
  });

  it.each(found)('%s (%s) starts Node', (_path, options) => {
    const run = spawnSync(process.execPath, ['-e', '0'], {
      env: { ...process.env, NODE_OPTIONS: options },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('catches a flag Node refuses in NODE_OPTIONS', () => {
    const run = spawnSync(process.execPath, ['-e', '0'], {
      env: { ...process.env, NODE_OPTIONS: '--heap-growing-percent=20' },
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
  });
});
