/**
 * A tenant for a file-mode sidecar in tests: its Secret (plaintext API key) and its TenantPolicy,
 * as one YAML file. `spec` is more of the spec, indented two spaces per line
 * (e.g. "  limits: { requests: { limit: 3, window: 1h, burst: 3 } }").
 */
export function tenantYaml(id: string, key: string, tier: string, spec = ''): string {
  return `apiVersion: v1
kind: Secret
metadata: { name: ${id}-key }
stringData: { api-key: ${key} }
---
apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: ${id} }
spec:
  tenantId: ${id}
  tier: ${tier}
  apiKeySecretRef: { name: ${id}-key }
${spec}
`;
}
