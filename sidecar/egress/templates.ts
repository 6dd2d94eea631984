/**
 * The `sluice` body extension: `{"sluice": {"template": "<name>", "variables": {…}}}` renders the
 * tenant's template (policy/prompt: one pass, values never re-parsed) and appends the result as
 * the request's last user message. Messages the app sent (a system prompt, earlier turns) stay
 * in front of it.
 *
 * Checked before rendering (docs/adr/0011-request-integrity.md): a variable the template does not
 * allow (query, context, tenant_name and its `variables`) is 400 SLUICE_TEMPLATE_VARIABLE_UNKNOWN
 * naming it — never silently dropped; every variable value the request sends is screened (or the
 * ones screening.variables names), kind "query"; and the rendered prompt is screened as a whole,
 * kind "template" (the tenant's own literal text may instruct the model; a phrase split across
 * two variables is caught there).
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
  templates: Map<string, { parsed: ParsedTemplate; allowed: ReadonlySet<string> }>;
  screener: Screener | null;
}

const compiled = new WeakMap<EffectivePolicy, Compiled>();

function compile(policy: EffectivePolicy): Compiled {
  let entry = compiled.get(policy);
  if (!entry) {
    const templates: Compiled['templates'] = new Map();
    for (const t of policy.templates) {
      // query, context and tenant_name are always allowed; the sidecar fills tenant_name.
      const allowedVariables = [...new Set([...DEFAULT_TEMPLATE_VARIABLES, ...t.variables])];
      templates.set(t.name, {
        parsed: parseTemplate(t.template, { allowedVariables }),
        allowed: new Set(allowedVariables),
      });
    }
    const screener =
      policy.screening.mode === 'off'
        ? null
        : createScreener({
            denyPhrases: policy.screening.denyPhrases,
            sensitivity: policy.screening.sensitivity,
          });
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
  /** A rejection let pass because screening is in shadow (policy/shadow.ts). */
  shadowed: boolean;
}

/**
 * Checks the variables, screens them, renders the template, screens the result. Throws
 * SLUICE_TEMPLATE_UNKNOWN / SLUICE_TEMPLATE_VARIABLE_UNKNOWN / SLUICE_PROMPT_REJECTED (not when
 * screening is in shadow — `shadow` is isShadowed(policy, 'screening', --shadow) — then the
 * rejection is reported in `shadowed`).
 */
export function renderTemplateUse(policy: EffectivePolicy, use: TemplateUse, shadow = false): Rendered {
  const { templates, screener } = compile(policy);
  const template = templates.get(use.template);
  if (!template) {
    throw new SluiceError(
      'SLUICE_TEMPLATE_UNKNOWN',
      `template ${JSON.stringify(use.template)} of ${policy.tenantId}`,
    );
  }
  const unlisted = Object.keys(use.variables).filter((name) => !template.allowed.has(name));
  if (unlisted.length > 0) {
    throw new SluiceError(
      'SLUICE_TEMPLATE_VARIABLE_UNKNOWN',
      `template ${JSON.stringify(use.template)} does not allow ${unlisted.map((n) => JSON.stringify(n)).join(', ')}`,
    );
  }
  let verdict: Rendered['verdict'] = null;
  let shadowed = false;
  const check = (text: string, kind: 'query' | 'template', what: string) => {
    const result = screener!.screen(text, kind);
    if (result.verdict === 'allow') return;
    const rule = String(result.rule ?? 'unknown');
    verdict ??= { verdict: result.verdict, rule };
    if (result.verdict === 'reject' && shadow) shadowed = true;
    else if (result.verdict === 'reject' && policy.screening.mode === 'reject') {
      throw new SluiceError('SLUICE_PROMPT_REJECTED', `rule ${rule} matched ${what}`, { rule });
    }
  };
  const screened = policy.screening.variables;
  if (screener) {
    for (const name in use.variables) {
      if (screened === undefined || screened.includes(name))
        check(use.variables[name]!, 'query', `variable "${name}"`);
    }
  }
  const values = { tenant_name: policy.displayName, ...use.variables };
  const text = renderTemplate(template.parsed, values);
  if (screener) check(text, 'template', 'the rendered prompt');
  return { text, verdict, shadowed };
}
