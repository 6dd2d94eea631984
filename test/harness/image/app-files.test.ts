import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appFiles } from './app-files.ts';

const root = resolve(import.meta.dirname, '../../..');

function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'app-files-'));
  writeFileSync(join(dir, 'package.json'), '{}');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('appFiles on the repository (what the image ships)', () => {
  const files = appFiles(root, ['cli/sluice.ts']);

  it('ships the entry, package.json and the migrations the operator reads at start', () => {
    expect(files).toContain('cli/sluice.ts');
    expect(files).toContain('package.json');
    expect(files.some((f) => /^operator\/stores\/migrations\/.+\.sql$/.test(f))).toBe(true);
  });

  it('ships no tests, harness, generators or docs', () => {
    expect(
      files.filter((f) => /\.test\.ts$|^test\/harness\/|^docs\/|^charts\/|generate\.ts$/.test(f)),
    ).toEqual([]);
  });

  it('is closed: every relative import of a shipped file is shipped', () => {
    const shipped = new Set(files);
    const missing: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(/\bfrom\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = join(dirname(file), m[1]!);
        if (!shipped.has(target)) missing.push(`${file} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('appFiles follows every kind of reference', () => {
  it.each([
    ['static import', "import { a } from './a.ts';", ['a.ts']],
    ['type-only import', "import type { A } from './a.ts';", ['a.ts']],
    ['re-export', "export { a } from './a.ts';", ['a.ts']],
    ['multi-line import', "import {\n  a,\n  b,\n} from './a.ts';", ['a.ts']],
    ['side-effect import', "import './a.ts';", ['a.ts']],
    ['dynamic import', "const m = await import('./a.ts');", ['a.ts']],
    ['data folder by URL', "const d = new URL('./data/', import.meta.url);", ['data/x.sql']],
    ['parent folder', "import { b } from '../lib/b.ts';", ['lib/b.ts']],
  ])('%s', (_name, source, expected) => {
    const dir = fixture({
      'src/main.ts': source,
      'src/a.ts': 'export const a = 1, b = 2;',
      'src/data/x.sql': 'select 1;',
      'lib/b.ts': 'export const b = 1;',
      'src/unused.ts': 'export {};',
    });
    const files = appFiles(dir, ['src/main.ts']);
    for (const f of expected) expect(files).toContain(f.startsWith('lib/') ? f : `src/${f}`);
    expect(files).not.toContain('src/unused.ts');
  });

  it.each([
    ['a missing file', "import { a } from './missing.ts';", /does not exist/],
    ['a path outside the repository', "import { a } from '../../outside.ts';", /leaves the repository/],
  ])('refuses %s', (_name, source, error) => {
    const dir = fixture({ 'src/main.ts': source });
    expect(() => appFiles(dir, ['src/main.ts'])).toThrow(error);
  });
});
