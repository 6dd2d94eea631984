/** An in-memory Io for running a CLI command in-process, and the `--help` checks every long-running command shares. */
import { PassThrough } from 'node:stream';
import { expect } from 'vitest';
import type { Io } from '../../cli/io.ts';
import { defaultText } from '../../cli/lib/settings/render.ts';
import type { Setting } from '../../cli/lib/settings/table.ts';

export interface CapturedIo {
  io: Io;
  out: () => string;
  err: () => string;
}

export function captureIo(): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c) => (o += c));
  stderr.on('data', (c) => (e += c));
  return { io: { stdin: new PassThrough(), stdout, stderr }, out: () => o, err: () => e };
}

/** `--help` exits 0 and lists the row's flag on a line of its own, with its default and variable. */
export async function expectHelpLists(
  command: (argv: string[], io: Io, env: NodeJS.ProcessEnv) => Promise<number>,
  row: Setting<unknown>,
): Promise<void> {
  const t = captureIo();
  expect(await command(['--help'], t.io, {})).toBe(0);
  const line = t
    .out()
    .split('\n')
    .find((l) => l.startsWith(`  --${row.flag} `) || l === `  --${row.flag}`);
  expect(line).toBeDefined();
  expect(line).toContain(`default ${defaultText(row)}`);
  expect(line).toContain(row.env);
}
