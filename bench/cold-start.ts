/**
 * Cold start, source against bundle (docs/adr/0037-bundled-entrypoint.md): `sluice sidecar` in
 * Redis mode started from cli/sluice.ts and from the image's bundle cli/sluice.mjs, alternately,
 * PAIRS times each, egress off then on. Alternating puts both under the same machine load, so
 * their difference holds on a busy machine better than two separate `make bench-overhead` runs.
 * One JSON line per entry and egress: cold start (spawn to /readyz 200, polled every 5 ms) median
 * and minimum, and RSS at ready (median).
 *
 *   make bench-cold-start            PAIRS=7 by default; SIDECAR_NODE_OPTIONS as in sidecar-overhead.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleEntrypoint } from '../test/harness/image/bundle.ts';
import { startRedisServer } from '../test/harness/redis-server.ts';
import { spawnNode } from './lib/process.ts';

const PAIRS = Number(process.env['PAIRS'] ?? 7);
const NODE_OPTIONS = process.env['SIDECAR_NODE_OPTIONS'] ?? '';
const ENTRIES = {
  source: new URL('../cli/sluice.ts', import.meta.url),
  bundle: pathToFileURL((await bundleEntrypoint()).entry),
};

const redis = await startRedisServer();
const stateDir = mkdtempSync(join(tmpdir(), 'sluice-cold-'));

async function coldStart(entry: URL, egress: 'on' | 'off'): Promise<{ ms: number; rssMb: number }> {
  const t0 = performance.now();
  const proc = await spawnNode(
    entry,
    [
      'sidecar',
      ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0'],
      ...(egress === 'on' ? ['--egress-port', '0'] : ['--egress', 'off']),
      ...['--redis-url', redis.url, '--redis-prefix', 'sluice-bench-cold:', '--state-dir', stateDir],
      ...['--upstream', 'http://127.0.0.1:9', '--log-level', 'warn'],
    ],
    NODE_OPTIONS ? { NODE_OPTIONS } : {},
  );
  try {
    const admin = (proc.info['ports'] as { admin: number }).admin;
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${admin}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    return { ms: performance.now() - t0, rssMb: proc.rssMb().now };
  } finally {
    await proc.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  for (const egress of ['off', 'on'] as const) {
    const runs: Record<keyof typeof ENTRIES, { ms: number; rssMb: number }[]> = { source: [], bundle: [] };
    for (let i = 0; i < PAIRS; i++)
      for (const name of ['source', 'bundle'] as const)
        runs[name].push(await coldStart(ENTRIES[name], egress));
    for (const name of ['source', 'bundle'] as const) {
      const ms = runs[name].map((r) => r.ms);
      process.stdout.write(
        `${JSON.stringify({
          entry: name,
          egress,
          cold_start_ms_median: Math.round(median(ms)),
          cold_start_ms_min: Math.round(Math.min(...ms)),
          rss_at_ready_mb_median: Math.round(median(runs[name].map((r) => r.rssMb)) * 10) / 10,
          pairs: PAIRS,
          node_options: NODE_OPTIONS,
        })}\n`,
      );
    }
  }
} finally {
  await redis.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
