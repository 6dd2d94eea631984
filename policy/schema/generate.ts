/** `make generate`: writes crds/tenantpolicy.yaml from the schema source. */
import { writeFileSync } from 'node:fs';
import { renderCrdYaml } from './crd-yaml.ts';

const target = new URL('../../crds/tenantpolicy.yaml', import.meta.url);
writeFileSync(target, renderCrdYaml());
console.log(`wrote ${target.pathname}`);
