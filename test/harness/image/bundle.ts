/**
 * The image's entrypoint as one bundled ES module (docs/adr/0037-bundled-entrypoint.md):
 * `cli/sluice.mjs` is cli/sluice.ts with the `sidecar` command and its dependencies (Fastify,
 * pino, ioredis, undici, prom-client) in one file, so a sidecar starts without resolving,
 * reading and type-stripping ~470 modules. What loads lazily stays lazy: each dynamic import of
 * the sidecar's graph (file mode's policy loader, the egress, the prompt screener) becomes a
 * chunk `cli/sluice-HASH.mjs` loaded on first use. The other commands (operator, validate, the
 * simulator, the kubectl plugin's commands) stay outside the bundle: their dynamic imports point
 * at the shipped sources (`./operator.ts` beside the bundle), so they run exactly as before.
 *
 *   node test/harness/image/bundle.ts [--out DIR]     default .cache/bundle; prints DIR/cli/sluice.mjs
 *
 * The output mirrors the image's /app: DIR/cli/sluice.mjs, its chunks, and a copy of every data
 * file a bundled module reads through `new URL('…', import.meta.url)` at its repo path (the
 * screener's model and catalogue), rewritten to resolve from DIR/cli/. Cached: a build whose
 * inputs (every file esbuild read, this script, the lock file) hash as before is not redone.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../../..');
const ENTRY = 'cli/sluice.ts';
/** The one command the bundle carries; every other command's dynamic import stays external. */
const BUNDLED_COMMAND = join(ROOT, 'cli/sidecar.ts');

/** Gives CommonJS dependencies, now inside an ES module, the `require` and paths they expect. */
const BANNER = [
  "import { createRequire as __sluiceCreateRequire } from 'node:module';",
  "import { fileURLToPath as __sluiceFileURLToPath } from 'node:url';",
  'const require = __sluiceCreateRequire(import.meta.url);',
  'const __filename = __sluiceFileURLToPath(import.meta.url);',
  "const __dirname = __sluiceFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

const DATA_URL = /new URL\(\s*(['"])(\.{1,2}\/[^'"]*)\1\s*,\s*import\.meta\.url\s*\)/g;

export interface BundleResult {
  /** DIR/cli/sluice.mjs */
  entry: string;
  /** Whether this call built it (false: the cached build was still current). */
  built: boolean;
}

export async function bundleEntrypoint(out = join(ROOT, '.cache/bundle')): Promise<BundleResult> {
  out = resolve(out);
  const entry = join(out, 'cli/sluice.mjs');
  const keyFile = join(out, 'inputs.json');
  if (existsSync(entry) && existsSync(keyFile) && existsSync(join(out, 'chunks.json'))) {
    const saved = JSON.parse(readFileSync(keyFile, 'utf8')) as { key: string; inputs: string[] };
    if (inputsKey(saved.inputs) === saved.key) return { entry, built: false };
  }
  rmSync(join(out, 'cli'), { recursive: true, force: true });
  const data = new Set<string>();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { sluice: join(ROOT, ENTRY) },
    outdir: join(out, 'cli'),
    outExtension: { '.js': '.mjs' },
    chunkNames: 'sluice-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    banner: { js: BANNER },
    // Fastify's schema compilers (Ajv, fast-json-stringify): the sidecar gives Fastify its own
    // lazy compilers (sidecar/lazy-compilers.ts), which require these from node_modules on first
    // use; bundled, they would only add ~1 MB that every start parses and never runs.
    external: ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
    // Stack traces can name the source file and line (docs/adr/0037): the maps ship beside the
    // chunks and Node reads them only with NODE_OPTIONS=--enable-source-maps.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [externalCommands(), repoModules(out, data)],
  });
  const inputs = [
    ...Object.keys(result.metafile.inputs).map((p) => resolve(ROOT, p.replace(/^[a-z-]+:/, ''))),
    ...data,
    join(ROOT, 'package-lock.json'),
    import.meta.filename,
  ].filter((p) => existsSync(p));
  for (const file of data) {
    const target = join(out, relative(ROOT, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  // Which sources each output file carries (tests read it: what a chunk loaded at start holds).
  const chunks = Object.fromEntries(
    Object.entries(result.metafile.outputs)
      .filter(([file]) => file.endsWith('.mjs'))
      .map(([file, output]) => [relative(out, resolve(ROOT, file)), Object.keys(output.inputs)]),
  );
  writeFileSync(join(out, 'chunks.json'), `${JSON.stringify(chunks, null, 1)}\n`);
  writeFileSync(keyFile, JSON.stringify({ key: inputsKey(inputs), inputs }));
  return { entry, built: true };
}

/** The other commands are loaded from the shipped sources, relative to DIR/cli/. */
function externalCommands(): Plugin {
  return {
    name: 'sluice-external-commands',
    setup(b) {
      b.onResolve({ filter: /^\.{1,2}\/.*\.ts$/ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const target = resolve(args.resolveDir, args.path);
        const importer = relative(ROOT, args.importer);
        if (!importer.startsWith('cli/') || target === BUNDLED_COMMAND) return undefined;
        return { path: `./${relative(join(ROOT, 'cli'), target)}`, external: true };
      });
    },
  };
}

/**
 * Repo modules as the bundle needs them: `new URL('./x.bin', import.meta.url)` rewritten to the
 * same file seen from DIR/cli/ (and the file copied there), and `import.meta.main` true only in
 * the entry (a bundled module's own `if (import.meta.main)` would otherwise run in the bundle).
 */
function repoModules(out: string, data: Set<string>): Plugin {
  return {
    name: 'sluice-repo-modules',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${ROOT}/node_modules/`)) return undefined;
        let text = readFileSync(args.path, 'utf8');
        text = text.replace(DATA_URL, (_all, _q, rel: string) => {
          const target = resolve(dirname(args.path), rel);
          if (target === ROOT || `${target}/` === `${ROOT}/`)
            return `new URL(${JSON.stringify(rel)}, import.meta.url)`;
          data.add(target);
          const fromCli = relative(join(out, 'cli'), join(out, relative(ROOT, target)));
          return `new URL(${JSON.stringify(fromCli + (rel.endsWith('/') ? '/' : ''))}, import.meta.url)`;
        });
        if (args.path !== join(ROOT, ENTRY)) text = text.replaceAll('import.meta.main', 'false');
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

function inputsKey(inputs: string[]): string {
  const hash = createHash('sha256');
  for (const file of inputs) {
    hash.update(file);
    hash.update(existsSync(file) ? readFileSync(file) : 'missing');
  }
  return hash.digest('hex');
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const { entry, built } = await bundleEntrypoint(values.out);
  process.stderr.write(`bundle: ${built ? 'built' : 'up to date'}: ${relative(process.cwd(), entry)}\n`);
  process.stdout.write(`${entry}\n`);
}
