/**
 * The `sluice` body extension: `{"sluice": {"template": "<name>", "variables": {…}}}` renders the
 * tenant's template (policy/prompt: one pass, values never re-parsed) and appends the result as
 * the request's last user message. Messages the app sent (a system prompt, earlier turns) stay
 * in front of it. The `query` variable is screened first (EffectivePolicy.screening).
 *
 * Templates and screeners are compiled once per policy object (a WeakMap on the policy, which is
 * replaced whole on every update), so the hot path only renders.
 */
import type { EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import {
  createScreener,
  DEFAULT_TEMPLATE_VARIABLES,
  type ParsedTemplate,
  parseTemplate,
  renderTemplate,
  type Screener,
} from '../../policy/prompt/index.ts';

interface Compiled {
  templates: Map<string, ParsedTemplate>;
  screener: Screener | null;
}

const compiled = new WeakMap<EffectivePolicy, Compiled>();

function compile(policy: EffectivePolicy): Compiled {
  let entry = compiled.get(policy);
  if (!entry) {
    const templates = new Map<string, ParsedTemplate>();
    for (const t of policy.templates) {
      // query, context and tenant_name are always allowed; the sidecar fills tenant_name.
      const allowedVariables = [...new Set([...DEFAULT_TEMPLATE_VARIABLES, ...t.variables])];
      templates.set(t.name, parseTemplate(t.template, { allowedVariables }));
    }
    const screener =
      policy.screening.mode === 'off' ? null : createScreener({ denyPhrases: policy.screening.denyPhrases });
    entry = { templates, screener };
    compiled.set(policy, entry);
  }
  return entry;
}

export interface TemplateUse {
  template: string;
  variables: Record<string, string>;
}

/** Reads and checks the extension; null when the body has none. */
export function templateUse(body: Record<string, unknown>): TemplateUse | null {
  const ext = body['sluice'];
  if (ext === undefined) return null;
  if (!ext || typeof ext !== 'object')
    throw new SluiceError('SLUICE_BAD_REQUEST', '"sluice" must be an object');
  const { template, variables = {} } = ext as { template?: unknown; variables?: unknown };
  if (typeof template !== 'string' || template === '') {
    throw new SluiceError('SLUICE_BAD_REQUEST', '"sluice.template" must name a template');
  }
  if (!variables || typeof variables !== 'object' || Array.isArray(variables)) {
    throw new SluiceError('SLUICE_BAD_REQUEST', '"sluice.variables" must be an object of strings');
  }
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value !== 'string')
      throw new SluiceError('SLUICE_BAD_REQUEST', `"sluice.variables.${name}" must be a string`);
  }
  return { template, variables: variables as Record<string, string> };
}

export interface Rendered {
  text: string;
  /** A non-"allow" screening verdict, for metrics and logs (flag mode lets the request through). */
  verdict: { verdict: 'reject' | 'flag'; rule: string } | null;
}

/** Screens `query`, renders the template. Throws SLUICE_TEMPLATE_UNKNOWN / SLUICE_PROMPT_REJECTED. */
export function renderTemplateUse(policy: EffectivePolicy, use: TemplateUse): Rendered {
  const { templates, screener } = compile(policy);
  const parsed = templates.get(use.template);
  if (!parsed) {
    throw new SluiceError(
      'SLUICE_TEMPLATE_UNKNOWN',
      `template ${JSON.stringify(use.template)} of ${policy.tenantId}`,
    );
  }
  let verdict: Rendered['verdict'] = null;
  const query = use.variables['query'];
  if (screener && query !== undefined) {
    const result = screener.screen(query, 'query');
    if (result.verdict !== 'allow') {
      const rule = String(result.rule ?? 'unknown');
      verdict = { verdict: result.verdict, rule };
      if (result.verdict === 'reject' && policy.screening.mode === 'reject') {
        throw new SluiceError('SLUICE_PROMPT_REJECTED', `rule ${rule}`);
      }
    }
  }
  const values = { tenant_name: policy.displayName, ...use.variables };
  return { text: renderTemplate(parsed, values), verdict };
}
