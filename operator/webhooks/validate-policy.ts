/** The validating admission decision for TenantPolicy, pure. Messages say what to fix. */
import { API_VERSION, KIND } from '../../policy/schema/tenant-policy.ts';
import { validateTenantPolicy } from '../../policy/schema/validate.ts';

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason?: string; message: string };
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

export interface AdmissionRequest {
  uid: string;
  operation?: string;
  object?: Record<string, unknown> | null;
  namespace?: string;
}

/** The same checks as `sluice validate`: schema, CEL, and the template language with screening. */
export function validatePolicyAdmission(request: AdmissionRequest): AdmissionResponse {
  if (request.operation === 'DELETE' || !request.object) return { uid: request.uid, allowed: true };
  const object: Record<string, unknown> = {
    ...request.object,
    apiVersion: request.object['apiVersion'] ?? API_VERSION,
    kind: request.object['kind'] ?? KIND,
  };
  const { issues } = validateTenantPolicy(object);
  if (issues.length === 0) return { uid: request.uid, allowed: true };
  const message = `TenantPolicy rejected (SLUICE_POLICY_INVALID): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
  return { uid: request.uid, allowed: false, status: { code: 422, reason: 'Invalid', message } };
}
