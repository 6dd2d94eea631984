/** Builds the TenantPolicy CustomResourceDefinition from the single schema source. Pure. */
import { toJsonSchema } from './json-schema.ts';
import {
  GROUP,
  KIND,
  PLURAL,
  PRINTER_COLUMNS,
  TenantPolicySpec,
  TenantPolicyStatus,
  VERSION,
} from './tenant-policy.ts';

export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'sluice', 'app.kubernetes.io/part-of': 'sluice' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: 'tenantpolicy',
        shortNames: ['tp'],
        categories: ['sluice'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS.map((c) => ({ ...c })),
          // `kubectl get tp --field-selector spec.tenantId=acme` and `kubectl sluice` find a
          // tenant by id on the server (Kubernetes >= 1.32; the plugin lists and filters before).
          selectableFields: [{ jsonPath: '.spec.tenantId' }],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'TenantPolicy is the per-tenant policy Sluice enforces: tier, models with fallbacks, prompt templates, parameter caps, rate and token limits, emergency override and suspension.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'sluice.dev/v1alpha1' },
                kind: { type: 'string', description: 'TenantPolicy' },
                metadata: { type: 'object' },
                spec: toJsonSchema(TenantPolicySpec, 'crd'),
                status: toJsonSchema(TenantPolicyStatus, 'crd'),
              },
            },
          },
        },
      ],
    },
  };
}
