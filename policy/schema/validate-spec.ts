/**
 * Offline TenantPolicy validation with the API server's rules: the same JSON Schema (Ajv) and
 * the same CEL `x-kubernetes-validations` (evaluated with a CEL interpreter). The template checks
 * (the prompt screener, ~100 modules) come in as a function: validate.ts passes them for the
 * webhook and the CLI; a file-mode sidecar passes them only once a policy has templates
 * (sidecar/config/file-source.ts, docs/adr/0037-bundled-entrypoint.md). Messages name the field
 * and say how to fix it.
 */
import { evaluate } from '@marcbachmann/cel-js';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type JsonSchema, toJsonSchema } from './json-schema.ts';
import { API_VERSION, type CelRule, KIND, type TenantPolicy, TenantPolicySpec } from './tenant-policy.ts';

export interface ValidationIssue {
  /** Dotted field path, e.g. "spec.limits.requests.burst". */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

export type ValidationResult =
  | { valid: true; policy: TenantPolicy; issues: [] }
  | { valid: false; issues: ValidationIssue[] };

const SPEC_SCHEMA: JsonSchema = toJsonSchema(TenantPolicySpec, 'ajv');
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
addFormats(ajv);
for (const keyword of ['x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys']) {
  ajv.addKeyword(keyword);
}
const validateSpecSchema = ajv.compile(SPEC_SCHEMA);

/** The checks CEL cannot express, run on a spec that passed every other check. */
export type TemplateIssues = (spec: TenantPolicy['spec']) => ValidationIssue[];

export function validateTenantPolicyWith(input: unknown, templateIssues: TemplateIssues): ValidationResult {
  const issues: ValidationIssue[] = [];
  if (!isObject(input)) {
    return {
      valid: false,
      issues: [{ path: '', message: 'expected a TenantPolicy object (a YAML mapping)' }],
    };
  }
  if (input['apiVersion'] !== API_VERSION) {
    issues.push({
      path: 'apiVersion',
      message: `must be "${API_VERSION}" (got ${show(input['apiVersion'])})`,
    });
  }
  if (input['kind'] !== KIND) {
    issues.push({ path: 'kind', message: `must be "${KIND}" (got ${show(input['kind'])})` });
  }
  const metadata = input['metadata'];
  const name = isObject(metadata) ? metadata['name'] : undefined;
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    issues.push({
      path: 'metadata.name',
      message: `must be a lowercase DNS name such as "acme-legal" (got ${show(name)})`,
    });
  }
  const spec = input['spec'];
  if (!isObject(spec)) {
    issues.push({ path: 'spec', message: 'required; add a spec with at least tenantId and tier' });
    return { valid: false, issues };
  }
  const schemaOk = validateSpecSchema(spec);
  if (!schemaOk) issues.push(...(validateSpecSchema.errors ?? []).map(describeAjvError));
  issues.push(...celIssues(SPEC_SCHEMA, spec, 'spec', !schemaOk));
  // What CEL cannot express: the template language and the screening of template text
  // (template-issues.ts). The admission webhook runs this same function.
  if (issues.length === 0) issues.push(...templateIssues(spec as TenantPolicy['spec']));
  return issues.length === 0
    ? { valid: true, policy: input as unknown as TenantPolicy, issues: [] }
    : { valid: false, issues };
}

/** Walks schema and value together and evaluates every CEL rule where the value is present. */
function celIssues(
  schema: JsonSchema,
  value: unknown,
  path: string,
  schemaFailed: boolean,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const ruleList = schema['x-kubernetes-validations'] as unknown as CelRule[] | undefined;
  for (const rule of ruleList ?? []) {
    let ok: unknown;
    try {
      ok = evaluate(rule.rule, { self: value });
    } catch (error) {
      // A mistyped value already has a schema error; the API server skips CEL then, too.
      if (schemaFailed) continue;
      throw new Error(`CEL rule at ${path} failed to evaluate: ${rule.rule}: ${String(error)}`);
    }
    if (ok !== true) issues.push({ path: path + (rule.fieldPath ?? ''), message: rule.message });
  }
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  if (properties && isObject(value)) {
    for (const [key, child] of Object.entries(properties)) {
      if (value[key] !== undefined)
        issues.push(...celIssues(child, value[key], `${path}.${key}`, schemaFailed));
    }
  }
  const items = schema['items'] as JsonSchema | undefined;
  if (Array.isArray(value)) issues.push(...listTypeIssues(schema, value, path));
  if (items && Array.isArray(value)) {
    value.forEach((item, i) => {
      issues.push(...celIssues(items, item, `${path}[${i}]`, schemaFailed));
    });
  }
  return issues;
}

/**
 * x-kubernetes-list-type: a "set" holds each value once, a "map" each key once — the API server
 * refuses duplicates ("Duplicate value"), and so does this.
 */
function listTypeIssues(schema: JsonSchema, value: unknown[], path: string): ValidationIssue[] {
  const type = schema['x-kubernetes-list-type'];
  if (type !== 'set' && type !== 'map') return [];
  const keys = (schema['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  value.forEach((item, i) => {
    const identity =
      type === 'set'
        ? JSON.stringify(item)
        : JSON.stringify(keys.map((k) => (isObject(item) ? item[k] : undefined)));
    if (seen.has(identity)) {
      const what = type === 'set' ? 'value' : keys.join('/');
      issues.push({ path: `${path}[${i}]`, message: `duplicate ${what} ${identity}; list each once` });
    }
    seen.add(identity);
  });
  return issues;
}

function describeAjvError(error: ErrorObject): ValidationIssue {
  const base = `spec${error.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
  const p = error.params as Record<string, unknown>;
  const got = `(got ${show(error.data)})`;
  switch (error.keyword) {
    case 'required':
      return { path: `${base}.${String(p['missingProperty'])}`, message: 'required; add this field' };
    case 'additionalProperties':
      return {
        path: `${base}.${String(p['additionalProperty'])}`,
        message: `unknown field; remove it or fix its spelling (see kubectl explain tenantpolicy.${base})`,
      };
    case 'enum':
      return { path: base, message: `must be one of ${(p['allowedValues'] as string[]).join(', ')} ${got}` };
    case 'type':
      return { path: base, message: `must be ${article(String(p['type']))} ${got}` };
    case 'minimum':
    case 'maximum':
      return { path: base, message: `must be ${String(p['comparison'])} ${String(p['limit'])} ${got}` };
    case 'minLength':
      return { path: base, message: `must be at least ${String(p['limit'])} characters long` };
    case 'maxLength':
      return { path: base, message: `must be at most ${String(p['limit'])} characters long` };
    case 'maxItems':
      return { path: base, message: `must have at most ${String(p['limit'])} items` };
    case 'format':
      return {
        path: base,
        message: `must be an RFC 3339 date-time such as "2026-12-01T18:00:00Z" ${got}`,
      };
    case 'pattern':
      return { path: base, message: `${patternHint(String(p['pattern']))} ${got}` };
    default:
      return { path: base, message: `${error.message ?? 'is not valid'} ${got}` };
  }
}

function patternHint(pattern: string): string {
  if (pattern.includes('(s|m|h|d)')) return 'must be a duration such as "30s", "1m", "1h" or "1d"';
  if (pattern.includes('\\.[0-9]')) return 'must be a decimal string such as "0.03"';
  if (pattern.startsWith('^[a-z0-9]([-a-z0-9]*'))
    return 'must be a DNS label: lowercase letters, digits and "-"';
  return `must match ${pattern}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
