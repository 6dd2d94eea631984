/**
 * The support and on-call journey with `kubectl sluice`, printed as a transcript: create a
 * tenant, send traffic through a sidecar, `top` shows it, a 10x override with the time it took
 * to take effect on the running sidecar, suspend and resume, a limit in shadow mode (a flood
 * counted, not refused; docs/adr/0027-shadow-mode.md), usage as CSV. Everything real
 * except the LLM: the dev API server, Redis and Postgres, the operator, a sidecar process, and
 * kubectl finding the plugin on PATH as users install it (npm's bin `kubectl-sluice`).
 *
 *   make dev-up && make transcript-kubectl-sluice
 *
 * Timings are printed, never asserted; one JSON line at the end carries them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSluiceStack, whenServedChanges } from './sluice-stack.ts';

const root = new URL('../../', import.meta.url).pathname;
const bin = mkdtempSync(join(tmpdir(), 'kubectl-sluice-bin-'));
symlinkSync(join(root, 'cli/kubectl-sluice.ts'), join(bin, 'kubectl-sluice'));
const out = (text: string) => process.stdout.write(text);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stack = await startSluiceStack();
// What a user's shell has: the plugin on PATH, Node 24 first (the project's), the stores'
// URLs as they would be after a port-forward.
const env = {
  ...process.env,
  ...stack.env,
  PATH: `${bin}:${root}node_modules/.bin:${process.env['PATH']}`,
};

function run(
  line: string,
  args: string[],
  show = true,
): Promise<{ code: number; stdout: string; ms: number }> {
  const started = performance.now();
  if (show) out(`$ ${line}\n`);
  return new Promise((resolve) => {
    execFile(args[0]!, args.slice(1), { env }, (error, stdout, stderr) => {
      const ms = performance.now() - started;
      if (show) out(stdout + stderr);
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, ms });
    });
  });
}
/** `kubectl sluice <rest>`, shown as typed; the words of `rest` are the arguments. */
const sluice = (rest: string, show = true) =>
  run(`kubectl sluice ${rest}`, ['kubectl', 'sluice', ...rest.split(' ')], show);
const ns = ['-n', stack.namespace];

const figures: Record<string, number | string> = {};
try {
  out(
    `# namespace ${stack.namespace}; one sidecar (Redis mode) in front of a RAG app that calls a fake OpenAI\n\n`,
  );
  const created = await sluice(
    `create tenant acme --tier pro --model openai/gpt-4o --fallback openai/gpt-4o-mini -n ${stack.namespace}`,
  );
  const acmeKey = /API key \(shown once; store it now\): (\S+)/.exec(created.stdout)?.[1] ?? '';
  figures['create_to_live_ms'] = Math.round(created.ms);
  const scraper = await sluice(`create tenant scraper --tier free -n ${stack.namespace}`);
  const scraperKey = /API key \(shown once; store it now\): (\S+)/.exec(scraper.stdout)?.[1] ?? '';

  out('\n# traffic: acme 30 requests, scraper 60 back to back (free tier: burst 10, then 100/h)\n');
  const count = async (key: string, n: number) => {
    const codes: Record<number, number> = {};
    for (let i = 0; i < n; i++) {
      const code = await stack.ask(key);
      codes[code] = (codes[code] ?? 0) + 1;
    }
    return codes;
  };
  out(`acme:    ${JSON.stringify(await count(acmeKey, 30))}\n`);
  out(`scraper: ${JSON.stringify(await count(scraperKey, 60))}\n`);
  out('# (sidecars add their counters to Redis every 5 s)\n\n');
  await sleep(6_500);
  await sluice('top --minutes 5');
  out('\n');
  await sluice('top --minutes 5 --sort-by rejected');

  out('\n# the scraper needs 10x for a launch\n');
  const before = await stack.served('scraper');
  const t0 = performance.now();
  const watcher = whenServedChanges(stack, 'scraper', before, t0, 5);
  const override = await sluice(
    `override scraper --multiplier 10 --for 2h --reason TICKET-4711 -n ${stack.namespace}`,
  );
  const servedAt = await watcher;
  figures['override_command_ms'] = Math.round(override.ms);
  const applied = /\((\d+\.\d+) s after the operator wrote it/.exec(override.stdout)?.[1];
  figures['operator_write_to_sidecar_applied_ms'] = applied
    ? Math.round(Number(applied) * 1000)
    : 'not reported';
  figures['plugin_start_ms'] = Math.round((await sluice('--help', false)).ms);
  figures['override_to_sidecar_ms'] = servedAt ? Math.round(servedAt - t0) : 'not seen in 60 s';
  out(
    `# measured: the running sidecar served the new version ${figures['override_to_sidecar_ms']} ms after the command started (its Node start-up, ~${figures['plugin_start_ms']} ms for --help, included); the operator's write → the sidecar applied it: ${figures['operator_write_to_sidecar_applied_ms']} ms; the command returned after ${figures['override_command_ms']} ms\n`,
  );
  out(`scraper after the override: ${JSON.stringify(await count(scraperKey, 20))}\n\n`);
  await sluice(`status -n ${stack.namespace} -o wide`);

  out('\n# the scraper turns abusive: stop it\n');
  await sluice(`suspend scraper --reason INC-311 -n ${stack.namespace}`);
  out(`scraper while suspended: ${JSON.stringify(await count(scraperKey, 3))}\n`);
  await sluice(`resume scraper -n ${stack.namespace}`);
  out(`scraper after resume: ${JSON.stringify(await count(scraperKey, 3))}\n\n`);

  out('# a new limit tried in shadow first: decided and counted, never refused\n');
  const trial = await sluice(`create tenant trial --tier free -n ${stack.namespace}`);
  const trialKey = /API key \(shown once; store it now\): (\S+)/.exec(trial.stdout)?.[1] ?? '';
  await stack.ask(trialKey); // the sidecar loads the tenant on first sight (ADR 0025)
  const trialBefore = await stack.served('trial');
  const shadowPatch = JSON.stringify({
    spec: { limits: { requests: { limit: 100, window: '1h', burst: 5, mode: 'shadow' } } },
  });
  await run(`kubectl patch tenantpolicy trial -n ${stack.namespace} --type merge -p '${shadowPatch}'`, [
    'kubectl',
    'patch',
    'tenantpolicy',
    'trial',
    ...ns,
    '--type',
    'merge',
    '-p',
    shadowPatch,
  ]);
  const shadowDeadline = performance.now() + 60_000;
  while ((await stack.served('trial')) === trialBefore && performance.now() < shadowDeadline) await sleep(20);
  const shadowCodes: Record<string, number> = {};
  for (let i = 0; i < 30; i++) {
    const r = await fetch(`http://127.0.0.1:${stack.sidecar.ports.ingress}/v1/answer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${trialKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'q' }),
    });
    await r.arrayBuffer();
    const key = `${r.status}${r.headers.get('sluice-shadow') ? ` sluice-shadow: ${r.headers.get('sluice-shadow')}` : ''}`;
    shadowCodes[key] = (shadowCodes[key] ?? 0) + 1;
  }
  out(`trial, 30 back to back against burst 5 in shadow: ${JSON.stringify(shadowCodes)}\n`);
  figures['shadow_flood_refused'] = Object.entries(shadowCodes)
    .filter(([k]) => !k.startsWith('200'))
    .reduce((n, [, v]) => n + v, 0);
  await sleep(6_500);
  await sluice('top --minutes 5 --shadow');
  out('\n');

  out('# what each tenant used today, as a spreadsheet opens it (the operator rolls up every 1 s here)\n');
  await sleep(2_500);
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await sluice(`usage --from ${today} --to ${tomorrow} -o csv`);
  out('\n');
  await run(`kubectl get tenantpolicies -n ${stack.namespace}`, ['kubectl', 'get', 'tenantpolicies', ...ns]);
  out(`\n${JSON.stringify({ bench: 'kubectl-sluice-transcript', ...figures })}\n`);
} finally {
  await stack.close();
  rmSync(bin, { recursive: true, force: true });
}
