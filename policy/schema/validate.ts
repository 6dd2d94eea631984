/**
 * Offline TenantPolicy validation with the API server's rules (validate-spec.ts: JSON Schema and
 * CEL) and the template checks (template-issues.ts: template language, prompt screening). Used by
 * the admission webhook, the operator and the CLI; a file-mode sidecar composes the two itself
 * so that the screener loads only when a policy has templates (sidecar/config/file-source.ts).
 */
import { templateIssues } from './template-issues.ts';
import { type ValidationResult, validateTenantPolicyWith } from './validate-spec.ts';

export type { TemplateIssues, ValidationIssue, ValidationResult } from './validate-spec.ts';

export function validateTenantPolicy(input: unknown): ValidationResult {
  return validateTenantPolicyWith(input, templateIssues);
}
