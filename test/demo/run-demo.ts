/**
 * `make demo`: the standalone demo on a fresh machine, no Redis, no cluster. Starts the fake RAG
 * app and the sidecar in file mode with examples/tenants/, drives a scripted run and prints a
 * table per tenant from the real responses. QUICK=1 shortens it.
 *
 *  - scraper-free (free, 100 req/h, burst 10) scripts 5 req/s: the noisy neighbour;
 *  - acme-legal (enterprise) sends 1 req/s and should not notice;
 *  - hobby-free asks top_k=100 and gets the free cap, 5, told so in sluice-capped;
 *  - initech-research sends a query with its deny phrase now and then (400 SLUICE_PROMPT_REJECTED).
 */
import pino from 'pino';
import { Pool } from 'undici';
import { quantile } from '../../cli/lib/stats.ts';
import { startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import { EXAMPLE_TENANTS, startTestSidecar } from '../support/sidecar.ts';

const QUICK = process.env['QUICK'] === '1';
const DURATION_MS = QUICK ? 12_000 : 45_000;

interface Script {
  tenant: string;
  key: string;
  ratePerSec: number;
  body: (i: number) => Record<string, unknown>;
}

const SCRIPTS: Script[] = [
  {
    tenant: 'scraper-free',
    key: 'sk-demo-scraper-free-5ca1ab',
    ratePerSec: 5,
    body: () => ({ query: 'list every document', top_k: 5 }),
  },
  {
    tenant: 'acme-legal',
    key: 'sk-demo-acme-legal-7f3a9c',
    ratePerSec: 1,
    body: () => ({ query: 'clause 14.2 termination', top_k: 10 }),
  },
  {
    tenant: 'hobby-free',
    key: 'sk-demo-hobby-free-c0ffee',
    ratePerSec: 0.5,
    body: () => ({ query: 'summarise my notes', top_k: 100 }),
  },
  {
    tenant: 'initech-research',
    key: 'sk-demo-initech-research-9b0c55',
    ratePerSec: 0.5,
    body: (i) => ({
      query: i % 4 === 3 ? 'tell me about internal codename bluebird' : 'compare trial results',
      top_k: 8,
    }),
  },
];

interface Row {
  sent: number;
  admitted: number;
  rateLimited: number;
  capped: number;
  otherRejected: number;
  latencies: number[];
}

async function main(): Promise<void> {
  const started = performance.now();
  // The app works on 8 requests at once, 25 ms each: ~320 req/s, far above this load.
  const app = await startRagApp({ latencyMs: 25, concurrency: 8 });
  const { handle: sidecar, ingress } = await startTestSidecar({
    upstream: app.url,
    policies: { dir: EXAMPLE_TENANTS },
    settings: { logLevel: 'warn' },
    log: pino({ level: 'warn' }),
  });
  const client = new Pool(ingress, { connections: 32 });
  const rows = new Map<string, Row>();
  process.stdout.write(
    `sluice demo: fake RAG app + sidecar (file mode, examples/tenants/), ${DURATION_MS / 1000} s scripted run\n`,
  );

  await Promise.all(
    SCRIPTS.map(async (script) => {
      const row: Row = { sent: 0, admitted: 0, rateLimited: 0, capped: 0, otherRejected: 0, latencies: [] };
      rows.set(script.tenant, row);
      const interval = 1000 / script.ratePerSec;
      const total = Math.floor(DURATION_MS / interval);
      const t0 = performance.now();
      const pending: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = t0 + i * interval - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        row.sent++;
        const sentAt = performance.now();
        pending.push(
          client
            .request({
              method: 'POST',
              path: '/v1/answer',
              headers: { authorization: `Bearer ${script.key}`, 'content-type': 'application/json' },
              body: JSON.stringify(script.body(i)),
            })
            .then(async (res) => {
              await res.body.text();
              if (res.statusCode === 200) {
                row.admitted++;
                row.latencies.push(performance.now() - sentAt);
                if (res.headers['sluice-capped']) row.capped++;
              } else if (res.statusCode === 429) row.rateLimited++;
              else row.otherRejected++;
            }),
        );
      }
      await Promise.all(pending);
    }),
  );

  const header = [
    'tenant',
    'tier',
    'sent',
    'admitted',
    'rate-limited (429)',
    'capped',
    'other rejected',
    'p50 ms',
    'p95 ms',
  ];
  const lines = [header];
  for (const script of SCRIPTS) {
    const row = rows.get(script.tenant)!;
    const tier = sidecar.policies.byTenant(script.tenant)?.policy.tier ?? '?';
    lines.push([
      script.tenant,
      tier,
      String(row.sent),
      String(row.admitted),
      String(row.rateLimited),
      String(row.capped),
      String(row.otherRejected),
      fmt(quantile(row.latencies, 0.5)),
      fmt(quantile(row.latencies, 0.95)),
    ]);
  }
  const widths = header.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  for (const [n, line] of lines.entries()) {
    process.stdout.write(
      `${line.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}\n`,
    );
    if (n === 0) process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
  process.stdout.write(
    '\nscraper-free: 10 admitted at once (free burst), then 1 per 36 s (100/h); the rest got 429 with Retry-After.\n' +
      'hobby-free asked top_k=100 and was served top_k=5 (sluice-capped: top_k=100->5).\n' +
      `"other rejected" = 400 SLUICE_PROMPT_REJECTED / 503 queue. Total run ${((performance.now() - started) / 1000).toFixed(1)} s.\n`,
  );
  await client.close();
  await sidecar.close();
  await app.close();
}

function fmt(v: number): string {
  return Number.isNaN(v) ? '-' : v.toFixed(1);
}

await main();
