/**
 * Runs the noisy-neighbor scenario on a local stack — a fake RAG app with a realistic capacity,
 * a fake OpenAI-compatible LLM that reports token usage, and the sidecar in file mode with the
 * example tenants — phase by phase, and assembles the report.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseYamlDocuments } from '../../policy/documents.ts';
import { computeEffectivePolicy, requestsPerHour } from '../../policy/effective.ts';
import type { TenantPolicySpec } from '../../policy/schema/tenant-policy.ts';
import { loadSettings } from '../../sidecar/config/settings.ts';
import { type SidecarHandle, startSidecar } from '../../sidecar/main.ts';
import { breakingPoint, costFigures, latencySeries, type PhaseFigures, phaseFigures } from './analysis.ts';
import { type ClusterControl, type ClusterEnv, startClusterControl } from './cluster.ts';
import { startOpenAIFake } from './fakes/openai-server.ts';
import { type RagApp, startRagApp } from './fakes/rag-app.ts';
import { type Arrival, runLoad, type Sample } from './load.ts';
import type { Progress } from './progress.ts';
import type { Report } from './report.ts';
import type { Scenario } from './scenario.ts';

export interface RunOptions {
  scenario: Scenario;
  scenarioFile: string;
  quick: boolean;
  /** Folder of TenantPolicy + Secret YAML the sidecar loads (copied; the copy is edited). */
  tenantsDir: string;
  workDir: string;
  progress: Progress;
  /** An existing Sluice ingress to measure instead of a local sidecar (phases "with" only). */
  target?: string;
  /** Run the emergency phase through kubectl patch → operator → Redis → sidecar. */
  cluster?: ClusterEnv;
}

// A RAG answer is a long prompt (instructions + retrieved context) and a paragraph back.
const CONTEXT = 'Clause 14.2 of the master services agreement limits liability to the fees paid. '.repeat(60);
const ANSWER =
  'Based on the retrieved context, the limitation of liability applies to direct damages only. '.repeat(12);

export async function runScenario(options: RunOptions): Promise<Report> {
  const { scenario, progress } = options;
  const heavy = scenario.heavy;
  const tenants = [...scenario.tenants.map((t) => t.tenant), heavy.tenant];
  const policiesDir = join(options.workDir, 'policies');
  rmSync(policiesDir, { recursive: true, force: true });
  mkdirSync(policiesDir, { recursive: true });
  cpSync(options.tenantsDir, policiesDir, { recursive: true });
  const heavySpec = readHeavySpec(policiesDir, heavy.tenant);
  const heavyPolicy = computeEffectivePolicy(heavySpec.spec, new Date());
  // Users give up; a request still unanswered then is an error (and its latency a lower bound).
  const timeoutMs = options.quick ? 10_000 : 30_000;

  const llm = await startOpenAIFake();
  const usage = { requests: 0, prompt: 0, completion: 0 };
  const askLlm = async (tenant: string) => {
    if (tenant !== heavy.tenant) return;
    llm.script([{ text: ANSWER }], heavyPolicy.models.primary?.model ?? 'gpt-3.5-turbo');
    const response = await fetch(`${llm.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: heavyPolicy.models.primary?.model ?? 'gpt-3.5-turbo',
        max_tokens: scenario.app.maxTokens,
        messages: [
          { role: 'system', content: `Answer from the context.\n${CONTEXT}` },
          { role: 'user', content: 'What does the liability clause cover?' },
        ],
      }),
    });
    const body = (await response.json()) as { usage?: { prompt_tokens: number; completion_tokens: number } };
    usage.requests++;
    usage.prompt += body.usage?.prompt_tokens ?? 0;
    usage.completion += body.usage?.completion_tokens ?? 0;
  };

  const startApp = () =>
    startRagApp({
      latencyMs: scenario.app.latencyMs,
      concurrency: scenario.app.concurrency,
      onServe: askLlm,
    });
  const startSluice = async (app: RagApp): Promise<SidecarHandle> =>
    startSidecar(
      loadSettings(
        [
          '--policies',
          policiesDir,
          '--upstream',
          app.url,
          '--port',
          '0',
          '--metrics-port',
          '0',
          '--admin-port',
          '0',
          '--egress',
          'off',
          '--max-concurrency',
          String(scenario.sidecar.maxConcurrency),
          '--log-level',
          'warn',
          '--reload-debounce-ms',
          '20',
        ],
        {},
      ),
    );

  const normal: Arrival[] = scenario.tenants.map((t) => ({ tenant: t.tenant, apiKey: t.apiKey, rps: t.rps }));
  const flood = (rps: number): Arrival => ({ tenant: heavy.tenant, apiKey: heavy.apiKey, rps });
  const body = (_tenant: string, i: number) => ({
    query: `question ${i} about the contract`,
    top_k: i % 7 === 0 ? 100 : 5,
  });

  /** One phase on a fresh app (a backlog must not leak into the next phase). */
  const phase = async (
    name: string,
    label: string,
    seconds: number,
    arrivals: Arrival[],
    viaSluice: boolean,
    events?: (
      sidecar: SidecarHandle,
      samples: Sample[],
      start: number,
    ) => { atMs: number; run: () => void | Promise<void> }[],
    sluice: (app: RagApp) => Promise<SidecarHandle> = startSluice,
  ): Promise<{ figures: PhaseFigures; samples: Sample[] }> => {
    const app = await startApp();
    const sidecar = viaSluice && !options.target ? await sluice(app) : undefined;
    const url = viaSluice
      ? (options.target ?? `http://127.0.0.1:${sidecar!.ports.ingress}/v1/answer`)
      : `${app.url}/v1/answer`;
    const collected: Sample[] = [];
    const task = progress.start(label, seconds * 1_000);
    const start = performance.now();
    try {
      const samples = await runLoad(arrivals, {
        url,
        start,
        durationMs: seconds * 1_000,
        seed: scenario.seed + name.length,
        timeoutMs,
        body,
        onSample: (s) => {
          collected.push(s);
          task.update(collected);
        },
        events: sidecar && events ? events(sidecar, collected, start) : [],
      });
      const figures = phaseFigures(name, seconds * 1_000, samples, tenants, heavy.tenant);
      task.done(figures);
      return { figures, samples };
    } finally {
      await sidecar?.close();
      await app.close();
    }
  };

  const p = scenario.phases;
  const baseline = await phase('baseline', 'baseline (normal load)', p.baselineSeconds, normal, false);
  const without = await phase(
    'without',
    `${heavy.tenant} ${heavy.rps} req/s, no Sluice`,
    p.heavySeconds,
    [...normal, flood(heavy.rps)],
    false,
  );
  const withSluice = await phase(
    'with',
    `${heavy.tenant} ${heavy.rps} req/s, Sluice`,
    p.heavySeconds,
    [...normal, flood(heavy.rps)],
    true,
  );

  // Breaking point: raise the heavy tenant's rate step by step; without Sluice stop at the first
  // rate that breaks the others' SLO (higher ones only break harder), with Sluice try them all.
  const steps: { rps: number; withoutP95Ms: number | null; withP95Ms: number }[] = [];
  let broken = false;
  for (const rps of p.breakingPoint.rates) {
    let withoutP95Ms: number | null = null;
    if (!broken) {
      const a = await phase(
        `bp-${rps}`,
        `breaking point ${rps} req/s, no Sluice`,
        p.breakingPoint.stepSeconds,
        [...normal, flood(rps)],
        false,
      );
      withoutP95Ms = a.figures.othersP95Ms;
      broken = withoutP95Ms > scenario.sloP95Ms;
    }
    const b = await phase(
      `bp-${rps}-s`,
      `breaking point ${rps} req/s, Sluice`,
      p.breakingPoint.stepSeconds,
      [...normal, flood(rps)],
      true,
    );
    steps.push({ rps, withoutP95Ms, withP95Ms: b.figures.othersP95Ms });
  }

  // Emergency: a 10x override, then a suspension, written while the heavy tenant floods.
  const emergency = {
    overrideEffectMs: null as number | null,
    overrideFirstAdmitMs: null as number | null,
    suspendEffectMs: null as number | null,
    suspendFirst403Ms: null as number | null,
  };
  const seconds = p.emergencySeconds;
  const control: ClusterControl | null = options.cluster
    ? await startClusterControl(options.cluster, policiesDir, heavy.tenant)
    : null;
  // File mode: rewrite the file the sidecar watches. Cluster mode: kubectl patch, as support would.
  const apply = async (change: Partial<TenantPolicySpec>) =>
    control
      ? control.patch({ override: null, suspended: null, ...change })
      : writeHeavySpec(heavySpec, { ...heavySpec.spec, ...change });
  try {
    await phase(
      'emergency',
      'emergency override + suspension',
      seconds,
      [flood(heavy.rps)],
      true,
      (sidecar, samples, start) => {
        /** Writes the change, then times until the sidecar serves it and until a request shows it. */
        const measure = async (change: Partial<TenantPolicySpec>, shows: (status: number) => boolean) => {
          const before = await servedVersion(sidecar, heavy.tenant);
          const writtenAt = performance.now() - start;
          await apply(change);
          const served = await waitFor(
            async () => (await servedVersion(sidecar, heavy.tenant)) !== before,
            10_000,
          );
          const effectMs = served ? Math.round(performance.now() - start - writtenAt) : null;
          const firstSeen = () => samples.find((s) => s.at >= writtenAt && shows(s.status));
          await waitFor(async () => firstSeen() !== undefined, 5_000);
          const hit = firstSeen();
          return { effectMs, firstMs: hit ? Math.round(hit.at + hit.latencyMs - writtenAt) : null };
        };
        const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
        const override = {
          multiplier: 10,
          expiresAt,
          reason: 'noisy-neighbor drill',
          grantedBy: 'sluice noisy-neighbor',
        };
        return [
          {
            atMs: seconds * 250,
            run: async () => {
              const r = await measure({ override }, (s) => s >= 200 && s < 300);
              emergency.overrideEffectMs = r.effectMs;
              emergency.overrideFirstAdmitMs = r.firstMs;
            },
          },
          {
            atMs: seconds * 650,
            run: async () => {
              const r = await measure({ override, suspended: true }, (s) => s === 403);
              emergency.suspendEffectMs = r.effectMs;
              emergency.suspendFirst403Ms = r.firstMs;
            },
          },
        ];
      },
      control ? (app) => control.startSidecar(app.url, scenario.sidecar.maxConcurrency) : startSluice,
    );
  } finally {
    await control?.close();
    writeHeavySpec(heavySpec, heavySpec.spec);
  }
  await llm.close();

  const safe = steps
    .filter((s) => s.withoutP95Ms !== null && s.withoutP95Ms <= scenario.sloP95Ms)
    .map((s) => s.rps);
  const admittedPerHourWith = requestsPerHour(heavyPolicy);
  const price = heavyPolicy.models.primary;
  return {
    scenario: {
      file: options.scenarioFile,
      seed: scenario.seed,
      quick: options.quick,
      sloP95Ms: scenario.sloP95Ms,
      heavy: { tenant: heavy.tenant, rps: heavy.rps },
    },
    generatedAt: new Date().toISOString(),
    baseline: baseline.figures,
    without: without.figures,
    with: withSluice.figures,
    latency: {
      without: latencySeries(without.samples, tenants, bucket(p.heavySeconds), p.heavySeconds * 1_000),
      with: latencySeries(withSluice.samples, tenants, bucket(p.heavySeconds), p.heavySeconds * 1_000),
    },
    breaking: {
      steps,
      withoutRps: breakingPoint(
        steps.flatMap((s) => (s.withoutP95Ms === null ? [] : [{ rps: s.rps, othersP95Ms: s.withoutP95Ms }])),
        scenario.sloP95Ms,
      ),
      withRps: breakingPoint(
        steps.map((s) => ({ rps: s.rps, othersP95Ms: s.withP95Ms })),
        scenario.sloP95Ms,
      ),
    },
    emergency: { mode: control ? 'cluster' : 'file', ...emergency },
    cost: {
      model: price ? `${price.provider}/${price.model}` : 'unknown',
      ...costFigures({
        promptTokens: usage.prompt,
        completionTokens: usage.completion,
        requests: usage.requests,
        inputPricePer1k: price?.inputPricePer1k ?? 0,
        outputPricePer1k: price?.outputPricePer1k ?? 0,
        heavyRps: heavy.rps,
        admittedPerHourWith,
      }),
    },
    neededLimit: {
      rps: safe.length ? Math.max(...safe) : null,
      perHour: safe.length ? Math.max(...safe) * 3600 : null,
      policyPerHour: admittedPerHourWith,
    },
  };
}

const bucket = (seconds: number) => Math.max(1_000, Math.round((seconds * 1_000) / 20));

interface HeavySpec {
  file: string;
  text: string;
  spec: TenantPolicySpec;
}

function readHeavySpec(dir: string, tenant: string): HeavySpec {
  const file = join(dir, `${tenant}.yaml`);
  const text = readFileSync(file, 'utf8');
  const policy = parseYamlDocuments(text, file).objects.find(
    (o) => (o.object as { kind?: string }).kind === 'TenantPolicy',
  );
  if (!policy) throw new Error(`${file} holds no TenantPolicy for the heavy tenant ${tenant}`);
  return { file, text, spec: (policy.object as { spec: TenantPolicySpec }).spec };
}

/** Rewrites the heavy tenant's file with a new spec, keeping its other documents. */
function writeHeavySpec(heavy: HeavySpec, spec: TenantPolicySpec): void {
  const docs = heavy.text.split(/^---$/m).map((d) => parse(d) as { kind?: string; spec?: unknown } | null);
  const out = docs
    .filter((d) => d)
    .map((d) => stringify(d!.kind === 'TenantPolicy' ? { ...d, spec } : d))
    .join('---\n');
  writeFileSync(heavy.file, out);
}

async function servedVersion(sidecar: SidecarHandle, tenant: string): Promise<string | null> {
  const response = await fetch(`http://127.0.0.1:${sidecar.ports.admin}/policies/${tenant}`);
  if (!response.ok) return null;
  return ((await response.json()) as { version: string }).version;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}
