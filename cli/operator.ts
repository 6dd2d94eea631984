/** `sluice operator [flags]`: runs the operator until SIGTERM/SIGINT. */

import { startOperator } from '../operator/main.ts';
import { OPERATOR_SETTINGS, parseSettings } from '../operator/settings.ts';
import type { Io } from './io.ts';
import { untilStopped } from './lib/long-running.ts';
import { commandSettings } from './lib/settings/command.ts';

export async function operator(
  args: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const read = commandSettings(
    'sluice operator',
    '--redis-url URL --database-url URL [flags]',
    OPERATOR_SETTINGS,
    args,
    io,
    (warn) => parseSettings(args, env, warn),
  );
  if ('exit' in read) return read.exit;
  const handle = await startOperator(read.settings);
  await untilStopped();
  await handle.close();
  return 0;
}
