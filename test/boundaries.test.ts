/**
 * Product code (what the image ships and `sluice` runs) never imports test or benchmark code:
 * the image carries only the CLI's module graph, so such an import would either ship test code or
 * break in production. Tests and benchmarks may import product code, not the other way round.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeFiles, ROOT } from './support/code-files.ts';

const PRODUCT_ROOTS = ['policy', 'sidecar', 'operator', 'cli'];
const FORBIDDEN = ['test/', 'bench/'];
/** Static, side-effect and dynamic imports, and `new URL('…', import.meta.url)` (spawned scripts, data files). */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\bnew URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Repo-relative targets of the relative specifiers in `source`, read from `file`. */
function importTargets(file: string, source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => normalize(join(dirname(file), m[1]!)));
}

describe('module boundaries', () => {
  it('finds the targets of static, dynamic and URL imports', () => {
    const source = [
      "import { a } from '../../test/fakes/x.ts';",
      "const m = await import('../bench/lib/y.ts');",
      "const u = new URL('./data/z.json', import.meta.url);",
      "import '../../test/harness/side-effect.ts';",
    ].join('\n');
    expect(importTargets('cli/noisy-neighbor/run.ts', source)).toEqual([
      'test/fakes/x.ts',
      'cli/bench/lib/y.ts',
      'cli/noisy-neighbor/data/z.json',
      'test/harness/side-effect.ts',
    ]);
  });

  it('product code imports nothing under test/ or bench/', () => {
    const files = PRODUCT_ROOTS.flatMap(codeFiles);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) =>
      importTargets(file, readFileSync(join(ROOT, file), 'utf8'))
        .filter((target) => FORBIDDEN.some((prefix) => relative(ROOT, join(ROOT, target)).startsWith(prefix)))
        .map((target) => `${file} -> ${target}`),
    );
    expect(offenders).toEqual([]);
  });
});
