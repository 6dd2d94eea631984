/**
 * The flags tables in docs/, generated from the commands' settings tables so the docs cannot
 * drift (docs.test.ts fails when they do). `make generate` runs this file to rewrite them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { OPERATOR_SETTINGS } from '../../../operator/settings.ts';
import { SIDECAR_SETTINGS } from '../../../sidecar/config/settings.ts';
import { formatNamesSource } from '../../../sidecar/egress/formats/registry.ts';
import { NOISY_NEIGHBOR_SETTINGS } from '../../noisy-neighbor/settings.ts';
import { PROMPT_CHECK_SETTINGS } from '../../prompt-check-settings.ts';
import { markdownTable, replaceBlock } from './render.ts';
import type { Table } from './table.ts';

export const DOC_TABLES: readonly { file: string; name: string; table: Table }[] = [
  { file: 'docs/sidecar.md', name: 'sidecar', table: SIDECAR_SETTINGS },
  { file: 'docs/operator.md', name: 'operator', table: OPERATOR_SETTINGS },
  { file: 'docs/cli.md', name: 'prompt-check', table: PROMPT_CHECK_SETTINGS },
  { file: 'docs/cli.md', name: 'noisy-neighbor', table: NOISY_NEIGHBOR_SETTINGS },
];

const root = new URL('../../../', import.meta.url);

/** Each doc's text as it should be (a doc may hold several commands' tables: docs/cli.md). */
export function generatedDocs(): { file: string; current: string; wanted: string }[] {
  return [...new Set(DOC_TABLES.map((d) => d.file))].map((file) => {
    const current = readFileSync(new URL(file, root), 'utf8');
    const wanted = DOC_TABLES.filter((d) => d.file === file).reduce(
      (text, { name, table }) => replaceBlock(text, name, markdownTable(table)),
      current,
    );
    return { file, current, wanted };
  });
}

/** sidecar/egress/format-names.ts: the wire formats' names, copied from their registry. */
export const FORMAT_NAMES_FILE = 'sidecar/egress/format-names.ts';

if (import.meta.main) {
  const names = formatNamesSource();
  if (readFileSync(new URL(FORMAT_NAMES_FILE, root), 'utf8') !== names) {
    writeFileSync(new URL(FORMAT_NAMES_FILE, root), names);
    process.stdout.write(`wrote ${FORMAT_NAMES_FILE}\n`);
  }
  for (const { file, current, wanted } of generatedDocs())
    if (current !== wanted) {
      writeFileSync(new URL(file, root), wanted);
      process.stdout.write(`wrote ${file}\n`);
    }
}
