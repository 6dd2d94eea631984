/**
 * The image's entrypoint, the bundle cli/sluice.mjs (bundle.ts, docs/adr/0037-bundled-entrypoint.md):
 * it starts and serves a tenant's request through real sockets, it loads no TypeScript source at
 * start, and the parts configured off stay in chunks that are not loaded.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sidecarModules } from '../../support/sidecar-modules.ts';
import { devEnv } from '../env.ts';
import { bundleEntrypoint } from './bundle.ts';

const ROOT = join(import.meta.dirname, '../../..');
const example = (name: string) =>
  readFileSync(new URL(`../../../examples/tenants/${name}.yaml`, import.meta.url), 'utf8');
const KEY = 'sk-demo-hobby-free-c0ffee'; // hobby-free's key (no prompt templates)
// The egress's own parts (its flags, sidecar/egress/settings.ts, and the breaker the prompt
// guard shares, sidecar/egress/breaker.ts, load with the sidecar: sidecar/lean-start.int.test.ts).
const EGRESS = /^sidecar\/egress\/(app\.ts$|routes\/|providers\/|translate\/|formats\/|budget\/)/;
const SCREENER = /^policy\/prompt\//;
const OTHER_COMMANDS =
  /^(node_modules\/@kubernetes\/|operator\/|cli\/noisy-neighbor|cli\/plugin\/commands\/)/;
const FILE_MODE =
  /^(node_modules\/(yaml|ajv|@sinclair\/typebox|@marcbachmann\/cel-js)\/|policy\/schema\/|sidecar\/config\/file-source\.ts$)/;
const matching = (sources: string[], ...patterns: RegExp[]) =>
  sources.filter((s) => patterns.some((p) => p.test(s)));

let entry: string;
let chunks: Record<string, string[]>;
let dir: string;
beforeAll(async () => {
  entry = (await bundleEntrypoint()).entry;
  chunks = JSON.parse(readFileSync(join(dirname(entry), '../chunks.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  dir = mkdtempSync(join(tmpdir(), 'sluice-bundle-'));
  writeFileSync(join(dir, 'hobby-free.yaml'), example('hobby-free'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The sources inside the bundle files a process loaded, and the other files it loaded. */
function sourcesOf(loaded: string[]): { sources: string[]; outside: string[] } {
  const base = relative(ROOT, join(dirname(entry), '..'));
  const sources: string[] = [];
  const outside: string[] = [];
  for (const file of loaded) {
    const inBundle = chunks[relative(base, file)];
    if (inBundle) sources.push(...inBundle);
    else outside.push(file);
  }
  return { sources, outside };
}

describe('the bundled entrypoint', () => {
  it('starts and serves a tenant through real sockets', async () => {
    const seen: { url: string; body: string }[] = [];
    const upstream: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ answer: 'from upstream' }));
      });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const child = spawn(
      process.execPath,
      [
        entry,
        'sidecar',
        ...[
          '--host',
          '127.0.0.1',
          '--port',
          '0',
          '--metrics-port',
          '0',
          '--admin-port',
          '0',
          '--egress',
          'off',
        ],
        ...['--policies', dir, '--state-dir', dir, '--log-level', 'warn'],
        ...['--upstream', `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const ports = await new Promise<{ ingress: number; admin: number }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const line = out.split('\n').find((l) => l.includes('"listening"'));
          if (line) resolve((JSON.parse(line) as { ports: { ingress: number; admin: number } }).ports);
        });
        child.once('exit', (code) => reject(new Error(`the bundle exited with ${code}:\n${stderr}`)));
      });
      const ready = await fetch(`http://127.0.0.1:${ports.admin}/readyz`);
      expect(ready.status).toBe(200);
      const answer = await fetch(`http://127.0.0.1:${ports.ingress}/v1/answer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'what is a semi-space?', top_k: 3 }),
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ answer: 'from upstream' });
      expect(seen).toHaveLength(1);
      expect(JSON.parse(seen[0]!.body)).toMatchObject({ query: 'what is a semi-space?', top_k: 3 });
      const refused = await fetch(`http://127.0.0.1:${ports.ingress}/v1/answer`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-nobody', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(refused.status).toBe(401);
      expect(seen).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      upstream.close();
    }
    expect(child.exitCode).toBe(0);
  }, 60_000);

  it('loads no TypeScript source at start, and neither the egress nor the screener (file mode, egress off)', async () => {
    const loaded = await sidecarModules(
      ['--policies', dir, '--upstream', 'http://127.0.0.1:9', '--egress', 'off'],
      entry,
    );
    const { sources, outside } = sourcesOf(loaded);
    expect(sources).toContain('sidecar/main.ts');
    expect(sources).toContain('sidecar/config/file-source.ts');
    expect(outside.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(matching(sources, EGRESS, SCREENER, OTHER_COMMANDS)).toEqual([]);
  }, 60_000);

  it('loads the egress chunk when the egress is on', async () => {
    const loaded = await sidecarModules(
      ['--policies', dir, '--upstream', 'http://127.0.0.1:9', '--egress-port', '0'],
      entry,
    );
    expect(sourcesOf(loaded).sources).toContain('sidecar/egress/app.ts');
  }, 60_000);

  // The screener reads its model and catalogue through `new URL('…', import.meta.url)`; bundled,
  // that URL is the chunk's, so the bundle rewrites them to resolve from cli/ (and the catalogue
  // would silently be compiled again at every start if its snapshot were not found).
  it('rewrites every data URL of a bundled module to a file beside the bundle', () => {
    const cli = dirname(entry);
    const urls = Object.keys(chunks).flatMap((chunk) =>
      [
        ...readFileSync(join(cli, '..', chunk), 'utf8').matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g),
      ].map((m) => join(cli, m[1]!)),
    );
    expect(urls.map((u) => relative(join(cli, '..'), u)).sort()).toEqual([
      'policy/prompt/catalogue.bin',
      'policy/prompt/model/screen-model.bin',
    ]);
    for (const file of urls) expect(readFileSync(file).length).toBeGreaterThan(0);
  });

  it('loads the template checks and the screener when a policy has templates', async () => {
    const templated = join(dir, 'templated');
    mkdirSync(templated);
    writeFileSync(join(templated, 'acme-legal.yaml'), example('acme-legal'));
    const loaded = await sidecarModules(
      ['--policies', templated, '--upstream', 'http://127.0.0.1:9', '--egress', 'off'],
      entry,
    );
    const { sources } = sourcesOf(loaded);
    expect(sources).toContain('policy/schema/template-issues.ts');
    expect(sources).toContain('policy/prompt/catalogue.ts');
  }, 60_000);

  it('loads no policy validation, YAML, CEL or file watcher in Redis mode', async () => {
    const { redisUrl } = devEnv();
    const loaded = await sidecarModules(
      [
        ...['--redis-url', redisUrl, '--redis-prefix', `bundle-start-${process.pid}:`],
        ...['--upstream', 'http://127.0.0.1:9', '--egress', 'off'],
      ],
      entry,
    );
    const { sources } = sourcesOf(loaded);
    expect(sources).toContain('sidecar/config/redis-source.ts');
    expect(matching(sources, FILE_MODE, EGRESS, SCREENER, OTHER_COMMANDS)).toEqual([]);
  }, 60_000);
});
