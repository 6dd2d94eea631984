/**
 * `node --import ./test/support/module-log.ts script.ts`: writes every module URL the process
 * loaded, one a line, to $SLUICE_MODULE_LOG when it exits. Used to check what the sidecar loads
 * at start (sidecar/lean-start.test.ts, docs/adr/0028-lean-data-plane.md).
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set<string>();
registerHooks({
  load(url, context, next) {
    loaded.add(url);
    return next(url, context);
  },
});
process.on('exit', () => {
  const out = process.env['SLUICE_MODULE_LOG'];
  if (out) writeFileSync(out, `${[...loaded].join('\n')}\n`);
});
