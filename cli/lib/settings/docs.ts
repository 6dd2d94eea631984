/**
 * The flags tables in docs/, generated from the commands' settings tables so the docs cannot
 * drift (docs.test.ts fails when they do). `make generate` runs this file to rewrite them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { OPERATOR_SETTINGS } from '../../../operator/settings.ts';
import { SIDECAR_SETTINGS } from '../../../sidecar/config/settings.ts';
import { markdownTable, replaceBlock } from './render.ts';
import type { Table } from './table.ts';

export const DOC_TABLES: readonly { file: string; name: string; table: Table }[] = [
  { file: 'docs/sidecar.md', name: 'sidecar', table: SIDECAR_SETTINGS },
  { file: 'docs/operator.md', name: 'operator', table: OPERATOR_SETTINGS },
];

const root = new URL('../../../', import.meta.url);

/** Each doc's text as it should be. */
export function generatedDocs(): { file: string; current: string; wanted: string }[] {
  return DOC_TABLES.map(({ file, name, table }) => {
    const current = readFileSync(new URL(file, root), 'utf8');
    return { file, current, wanted: replaceBlock(current, name, markdownTable(table)) };
  });
}

if (import.meta.main) {
  for (const { file, current, wanted } of generatedDocs())
    if (current !== wanted) {
      writeFileSync(new URL(file, root), wanted);
      process.stdout.write(`wrote ${file}\n`);
    }
}
