/**
 * File mode (the embedded default): TenantPolicy + Secret YAML from a file or a folder.
 * Secrets' API keys are hashed at load and the plaintext dropped; each TenantPolicy is
 * validated with the API server's rules and its effective policy computed with the injected
 * clock, and recomputed when an override's validUntil passes. Reloaded on change (fs.watch +
 * debounce); an invalid file keeps the last good set and logs the field errors.
 *
 * The template checks load with the first policy that has prompt templates: they bring the
 * prompt screener, which a set without templates never needs (docs/adr/0037-bundled-entrypoint.md;
 * sidecar/lean-start.test.ts checks it).
 */
import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { kindOf, parseYamlDocuments } from '../../policy/documents.ts';
import { computeEffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { KIND, type TenantPolicy } from '../../policy/schema/tenant-policy.ts';
import type { TemplateIssues } from '../../policy/schema/validate-spec.ts';
import { validateTenantPolicyWith } from '../../policy/schema/validate-spec.ts';
import { hashApiKey, type TenantRecord } from '../../policy/wire.ts';
import type { SidecarMetrics } from '../metrics.ts';
import type { PolicySet } from './policy-set.ts';

export interface LoadIssue {
  source: string;
  path: string;
  message: string;
}

export interface LoadResult {
  records: TenantRecord[];
  issues: LoadIssue[];
  /** Earliest validUntil among the records (ms), or null: recompute then. */
  recomputeAt: number | null;
  /** A policy has prompt templates and no template checks were given: load them, load again. */
  needsTemplateChecks: boolean;
}

let templateChecks: Promise<TemplateIssues> | undefined;
/** The template checks (policy/schema/template-issues.ts and the prompt screener), loaded once. */
export function loadTemplateChecks(): Promise<TemplateIssues> {
  templateChecks ??= import('../../policy/schema/template-issues.ts').then((m) => m.templateIssues);
  return templateChecks;
}

/**
 * Reads, validates and computes a policy folder or file. Never throws; problems are issues.
 * Without `templateIssues`, a policy with templates sets needsTemplateChecks (and the result is
 * not to be used).
 */
export function loadPolicies(path: string, now: Date, templateIssues?: TemplateIssues): LoadResult {
  const issues: LoadIssue[] = [];
  let needsTemplateChecks = false;
  const templates: TemplateIssues =
    templateIssues ??
    ((spec) => {
      if ((spec.promptTemplates ?? []).length > 0) needsTemplateChecks = true;
      return [];
    });
  const policies: { source: string; policy: TenantPolicy }[] = [];
  // Secret name → data. Secrets are matched by name (file mode has no namespaces to tell apart).
  const secrets = new Map<string, Record<string, string>>();
  for (const file of listFiles(path, issues)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      issues.push({ source: file, path: '', message: `unreadable: ${(error as Error).message}` });
      continue;
    }
    const { objects, errors } = parseYamlDocuments(text, file);
    for (const e of errors)
      issues.push({ source: `${e.source} (line ${e.line})`, path: '', message: e.message });
    for (const { source, object } of objects) {
      const { kind, name } = kindOf(object);
      if (kind === 'Secret') {
        secrets.set(String(name), secretData(object as Record<string, unknown>));
      } else if (kind === KIND) {
        const result = validateTenantPolicyWith(object, templates);
        if (!result.valid) {
          for (const i of result.issues) issues.push({ source, path: i.path, message: i.message });
        } else {
          policies.push({ source, policy: result.policy });
        }
      }
    }
  }
  const records: TenantRecord[] = [];
  const seenTenants = new Map<string, string>();
  const seenKeys = new Map<string, string>();
  let recomputeAt: number | null = null;
  for (const { source, policy } of policies) {
    const spec = policy.spec;
    const first = seenTenants.get(spec.tenantId);
    if (first) {
      issues.push({
        source,
        path: 'spec.tenantId',
        message: `tenant "${spec.tenantId}" is also defined in ${first}`,
      });
      continue;
    }
    seenTenants.set(spec.tenantId, source);
    const effective = computeEffectivePolicy(spec, now);
    const hashes: string[] = [];
    if (spec.apiKeySecretRef) {
      const data = secrets.get(spec.apiKeySecretRef.name);
      const key = spec.apiKeySecretRef.key ?? 'api-key';
      const value = data?.[key];
      if (value === undefined) {
        issues.push({
          source,
          path: 'spec.apiKeySecretRef',
          message: `no Secret "${spec.apiKeySecretRef.name}" with key "${key}" in the policy files`,
        });
        continue;
      }
      // Several keys may be listed one per line (key rotation).
      for (const line of value.split('\n')) {
        const k = line.trim();
        if (!k) continue;
        const h = hashApiKey(k);
        const owner = seenKeys.get(h);
        if (owner && owner !== spec.tenantId) {
          issues.push({
            source,
            path: 'spec.apiKeySecretRef',
            message: `API key also belongs to tenant "${owner}"`,
          });
          continue;
        }
        seenKeys.set(h, spec.tenantId);
        hashes.push(h);
      }
    }
    if (effective.validUntil) {
      const at = Date.parse(effective.validUntil);
      if (recomputeAt === null || at < recomputeAt) recomputeAt = at;
    }
    records.push({ policy: effective, apiKeyHashes: hashes, source, generation: 0 });
  }
  // The plaintext keys go out of scope here; only hashes are kept.
  secrets.clear();
  return { records, issues, recomputeAt, needsTemplateChecks };
}

function secretData(secret: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const data = (secret['data'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(data))
    if (typeof v === 'string') out[k] = Buffer.from(v, 'base64').toString('utf8');
  const stringData = (secret['stringData'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') out[k] = v;
  return out;
}

function listFiles(path: string, issues: LoadIssue[]): string[] {
  try {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((e) => /\.ya?ml$/.test(e))
      .sort()
      .map((e) => join(path, e));
  } catch (error) {
    issues.push({ source: path, path: '', message: `unreadable: ${(error as Error).message}` });
    return [];
  }
}

export interface FileSourceOptions {
  path: string;
  set: PolicySet;
  log: Logger;
  metrics: SidecarMetrics;
  now: () => number;
  debounceMs: number;
}

export class FileSource {
  private readonly options: FileSourceOptions;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private recompute: NodeJS.Timeout | undefined;
  private closed = false;
  private templateIssues: TemplateIssues | undefined;

  constructor(options: FileSourceOptions) {
    this.options = options;
  }

  /** First load: an invalid set stops start-up (there is no last good set to keep). */
  async start(): Promise<void> {
    const { path, log } = this.options;
    const result = await this.load();
    if (!result) {
      throw new SluiceError('SLUICE_POLICY_INVALID', `the policies in ${path} are not valid (see the log)`);
    }
    const dir = statSync(path).isDirectory() ? path : dirname(resolve(path));
    try {
      this.watcher = watch(dir, () => this.schedule());
      this.watcher.on('error', (error) => log.warn({ err: error }, 'policy watch failed; reload stopped'));
    } catch (error) {
      log.warn({ err: error, path: dir }, 'cannot watch policy files; changes need a restart');
    }
  }

  /** Reloads now; resolves false (keeping the last good set) when invalid. */
  async reload(): Promise<boolean> {
    return (await this.load()) !== null;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    clearTimeout(this.debounce);
    clearTimeout(this.recompute);
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.load(), this.options.debounceMs);
  }

  private async load(): Promise<LoadResult | null> {
    const { path, set, log, metrics, now } = this.options;
    let at = now();
    let result = loadPolicies(path, new Date(at), this.templateIssues);
    if (result.needsTemplateChecks) {
      try {
        this.templateIssues = await loadTemplateChecks();
      } catch (error) {
        log.error({ err: error, path }, 'cannot load the prompt template checks; keeping the last good set');
        return null;
      }
      at = now();
      result = loadPolicies(path, new Date(at), this.templateIssues);
    }
    if (result.issues.length > 0) {
      metrics.configReloads.inc({ source: 'file', result: 'invalid' });
      for (const issue of result.issues)
        log.error({ source: issue.source, field: issue.path }, issue.message);
      log.error(
        { path, issues: result.issues.length, keeping: set.ready() ? set.size() : 0 },
        set.ready() ? 'policy files invalid; keeping the last good set' : 'policy files invalid',
      );
      return null;
    }
    set.replace(result.records);
    metrics.configReloads.inc({ source: 'file', result: 'ok' });
    metrics.policySet(
      result.records.map((r) => [r.policy.tenantId, r.policy.version]),
      at,
    );
    log.info({ path, tenants: result.records.length }, 'policy set loaded');
    clearTimeout(this.recompute);
    if (result.recomputeAt !== null && !this.closed) {
      // An override ends at validUntil: compute again then (setTimeout's limit is ~24.8 days).
      const delay = Math.min(Math.max(0, result.recomputeAt - now()) + 1, 2_147_000_000);
      this.recompute = setTimeout(() => void this.load(), delay);
      this.recompute.unref();
    }
    return result;
  }
}
