import { describe, expect, it } from 'vitest';
import { DOC_TABLES, generatedDocs } from './docs.ts';
import { markers } from './render.ts';

describe('the flags tables in docs/', () => {
  it.each(generatedDocs())(
    '$file is what the settings table generates (make generate)',
    ({ current, wanted }) => {
      expect(current).toBe(wanted);
    },
  );

  it.each(DOC_TABLES)('$file holds a row for every flag of sluice $name', ({ file, name, table }) => {
    const doc = generatedDocs().find((d) => d.file === file)!.current;
    const [open, close] = markers(name);
    const block = doc.slice(doc.indexOf(open), doc.indexOf(close));
    const rows = block.split('\n').filter((line) => line.startsWith('| `--'));
    expect(rows.map((row) => row.split('`')[1])).toEqual(Object.values(table).map((s) => `--${s.flag}`));
  });
});
