/** `make generate`: writes the TenantPolicy CRD from the schema source, for kubectl and for the chart. */
import { writeFileSync } from 'node:fs';
import { renderCrdYaml } from './crd-yaml.ts';

export const CRD_TARGETS = ['../../crds/tenantpolicy.yaml', '../../charts/sluice/crds/tenantpolicy.yaml'];

if (import.meta.main) {
  for (const target of CRD_TARGETS) {
    const url = new URL(target, import.meta.url);
    writeFileSync(url, renderCrdYaml());
    console.log(`wrote ${url.pathname}`);
  }
}
