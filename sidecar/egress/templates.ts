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

/**
 * The template language and screener of policy/prompt/index.ts, by their published signatures.
 * Loaded with a dynamic import at app build (loadPromptEngine) so the egress keeps serving plain
 * requests even in a build where that module failed to load (templated requests then get
 * SLUICE_TEMPLATE_INVALID, and start-up logs the reason).
 */
export type ParsedTemplate = unknown;
export interface ScreenResult {
  verdict: 'allow' | 'reject' | 'flag';
  rule: string | null | undefined;
}
export interface PromptEngine {
  parseTemplate(source: string, options: { allowedVariables: readonly string[] }): ParsedTemplate;
  renderTemplate(parsed: ParsedTemplate, values: Record<string, string>): string;
  createScreener(options: { denyPhrases: readonly string[] }): {
    screen(text: string, kind: string): ScreenResult;
  };
}

let engine: PromptEngine | null = null;
// An absolute URL: resolves the same under Node and under vitest's module runner.
const PROMPT_MODULE = new URL('../../policy/prompt/index.ts', import.meta.url).href;

/** Loads policy/prompt once. Returns the error when it cannot be loaded. */
export async function loadPromptEngine(): Promise<Error | null> {
  if (engine) return null;
  try {
    engine = (await import(PROMPT_MODULE)) as PromptEngine;
    return null;
  } catch (error) {
    return error as Error;
  }
}

/** Tests may install an engine directly (null: load policy/prompt again). */
export function setPromptEngine(value: PromptEngine | null): void {
  engine = value;
}

function loaded(): PromptEngine {
  if (!engine)
    throw new SluiceError('SLUICE_TEMPLATE_INVALID', 'the template engine (policy/prompt) is not loaded');
  return engine;
}

/** Variables every template may use without listing them: the sidecar fills tenant_name. */
export const BUILTIN_VARIABLES = ['query', 'context', 'tenant_name'] as const;

interface Compiled {
  templates: Map<string, ParsedTemplate>;
  screener: ReturnType<PromptEngine['createScreener']> | null;
}

const compiled = new WeakMap<EffectivePolicy, Compiled>();

function compile(policy: EffectivePolicy): Compiled {
  let entry = compiled.get(policy);
  if (!entry) {
    const { parseTemplate, createScreener } = loaded();
    const templates = new Map<string, ParsedTemplate>();
    for (const t of policy.templates) {
      const allowedVariables = [...new Set([...BUILTIN_VARIABLES, ...t.variables])];
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
  return { text: loaded().renderTemplate(parsed, values), verdict };
}
