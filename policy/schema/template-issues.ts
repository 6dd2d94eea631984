/**
 * The template checks of TenantPolicy validation (validate-spec.ts): each prompt template parses
 * with its allowlist and its literal text passes the prompt screener. In a module of its own
 * because the screener is large: a file-mode sidecar loads it only when a policy has templates.
 */
import {
  createScreener,
  DEFAULT_TEMPLATE_VARIABLES,
  reviewTemplate,
  type Screener,
} from '../prompt/index.ts';
import type { TenantPolicy } from './tenant-policy.ts';
import type { ValidationIssue } from './validate-spec.ts';

const screeners = new Map<string, Screener>();

/** Each template parses with its allowlist, and its literal text passes screening. */
export function templateIssues(spec: TenantPolicy['spec']): ValidationIssue[] {
  const templates = spec.promptTemplates ?? [];
  if (templates.length === 0) return [];
  const denyPhrases = spec.screening?.denyPhrases ?? [];
  const mode = spec.screening?.mode === 'off' ? 'off' : 'reject';
  const cacheKey = `${mode}\0${denyPhrases.join('\0')}`;
  let screener = screeners.get(cacheKey);
  if (!screener) {
    if (screeners.size > 64) screeners.clear();
    screener = createScreener({ denyPhrases, mode });
    screeners.set(cacheKey, screener);
  }
  const issues: ValidationIssue[] = [];
  templates.forEach((t, i) => {
    const path = `spec.promptTemplates[${i}].template`;
    const review = reviewTemplate(t.template, screener, {
      allowedVariables: [...DEFAULT_TEMPLATE_VARIABLES, ...(t.variables ?? [])],
    });
    for (const p of review.problems) {
      issues.push({ path, message: `line ${p.line}, column ${p.column}: ${p.message}; ${p.fix}` });
    }
    if (review.screen.verdict === 'reject') {
      issues.push({
        path,
        message: `the template text looks like a prompt injection (rule ${review.screen.rule}); rephrase it`,
      });
    }
  });
  return issues;
}
