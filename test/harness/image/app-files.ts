/**
 * The files the Sluice image ships: the module graph of the `sluice` CLI (cli/sluice.ts),
 * followed through every relative `import`/`export … from`/`import()` and every
 * `new URL('…', import.meta.url)` (data such as operator/stores/migrations/), plus
 * package.json. A URL of the repository root itself (the simulator's `--cluster` mode, which
 * needs a checkout) is skipped. Tests, benchmarks, generators and anything the CLI never loads stay out;
 * if product code imported from test/ or bench/ (test/boundaries.test.ts forbids it), those
 * files would be shipped too and named on stderr, so the image still runs and the leak is visible.
 *
 * Both image builds use it, so they agree by construction: test/harness/image/build-image.sh
 * (no Docker) and the Dockerfile's `files` stage.
 *
 *   node test/harness/image/app-files.ts [--root DIR] [--entry cli/sluice.ts]
 *
 * Prints one repo-relative path per line, sorted.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

/** Relative specifiers of static imports/re-exports, dynamic imports and import.meta.url URLs. */
const SPECIFIERS = [
  /\b(?:import|export)\s[^;'"`]*?\bfrom\s*(['"])(\.{1,2}\/[^'"]+)\1/g,
  /\bimport\s*(['"])(\.{1,2}\/[^'"]+)\1/g,
  /\bimport\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*\)/g,
  /\bnew URL\(\s*(['"])(\.{1,2}\/[^'"]*)\1\s*,\s*import\.meta\.url\s*\)/g,
];

/** Files reachable from the entries, repo-relative, sorted. Throws when an import does not resolve. */
export function appFiles(root: string, entries: string[]): string[] {
  const seen = new Set<string>();
  const queue = entries.map((e) => resolve(root, e));
  const add = (file: string) => {
    if (!seen.has(file)) {
      seen.add(file);
      if (/\.[cm]?[jt]s$/.test(file)) queue.push(file);
    }
  };
  while (queue.length > 0) {
    const file = queue.pop()!;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const pattern of SPECIFIERS) {
      for (const match of text.matchAll(pattern)) {
        const target = resolve(dirname(file), match[2]!);
        // The repository itself (the simulator's --cluster mode runs the repo's harness): not data.
        if (target === root) continue;
        if (!target.startsWith(root + sep))
          throw new Error(`${relative(root, file)}: ${match[2]} leaves the repository`);
        let stat: ReturnType<typeof statSync>;
        try {
          stat = statSync(target);
        } catch {
          throw new Error(`${relative(root, file)}: ${match[2]} does not exist`);
        }
        if (stat.isDirectory()) for (const f of walk(target)) add(f);
        else add(target);
      }
    }
  }
  seen.add(join(root, 'package.json'));
  return [...seen].map((f) => relative(root, f)).sort();
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: resolve(import.meta.dirname, '../../..') },
      entry: { type: 'string', multiple: true, default: ['cli/sluice.ts'] },
    },
  });
  const files = appFiles(resolve(values.root), values.entry);
  const outside = files.filter((f) => /^(test|bench)\//.test(f));
  if (outside.length > 0)
    process.stderr.write(
      `app-files: product code imports ${outside.length} files from test/ or bench/: ${outside.join(' ')}\n`,
    );
  process.stdout.write(`${files.join('\n')}\n`);
}
