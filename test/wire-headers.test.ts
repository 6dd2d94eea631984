/**
 * Every `x-sluice-*` header name is spelled once, in policy/wire.ts (SLUICE_HEADERS,
 * SLUICE_HEADER_PREFIX), and every use in code that ships or measures refers to it: a rename is
 * one edit, and a typo is a compile error instead of a header that silently never matches
 * (docs/adr/0036-structured-errors.md). Tests are outside the rule on purpose: they spell the
 * wire value literally, so an accidental change of the constant fails them as it would fail a
 * client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeFiles, ROOT } from './support/code-files.ts';

const ROOTS = ['policy', 'sidecar', 'operator', 'cli', 'bench'];
const HOME = 'policy/wire.ts';

/** Lines of code (not comment lines) that spell an x-sluice- name, any case. */
function headerLiterals(source: string): number[] {
  const found: number[] = [];
  source.split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\/\*|\*)/.test(line)) return;
    if (/x-sluice-/i.test(line)) found.push(i + 1);
  });
  return found;
}

describe('x-sluice-* header names live in policy/wire.ts', () => {
  it('finds names in strings and templates, not in comment lines', () => {
    const source = [
      '/** Reads x-sluice-tenant. */',
      "const a = req.headers['x-sluice-tenant'];",
      '  // x-sluice-tier is set by the ingress',
      'const b = `send X-Sluice-Tier ${c}`;',
      ' * x-sluice-screening',
      'const d = SLUICE_HEADERS.tenant;',
    ].join('\n');
    expect(headerLiterals(source)).toEqual([2, 4]);
  });

  it('no code outside policy/wire.ts spells one', () => {
    const files = ROOTS.flatMap(codeFiles);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .filter((file) => file !== HOME)
      .flatMap((file) =>
        headerLiterals(readFileSync(join(ROOT, file), 'utf8')).map((line) => `${file}:${line}`),
      );
    expect(offenders).toEqual([]);
  });

  it('policy/wire.ts spells them', () => {
    expect(headerLiterals(readFileSync(join(ROOT, HOME), 'utf8')).length).toBeGreaterThan(0);
  });
});
