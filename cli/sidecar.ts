/**
 * `sluice sidecar [flags]`: runs the data plane beside the app. Settings from flags and
 * SLUICE_* environment (sidecar/config/settings.ts); a bad setting exits 2 with
 * SLUICE_CONFIG_INVALID naming it. Runs until SIGTERM / SIGINT, then drains and exits 0.
 */
import { isSluiceError } from '../policy/errors.ts';
import { loadSettings, SIDECAR_SETTINGS } from '../sidecar/config/settings.ts';
import { startSidecar } from '../sidecar/main.ts';
import type { Io } from './io.ts';
import { untilStopped } from './lib/long-running.ts';
import { commandSettings } from './lib/settings/command.ts';

export async function sidecar(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const read = commandSettings(
    'sluice sidecar',
    '(--policies PATH | --redis-url URL) [--upstream URL] [flags]',
    SIDECAR_SETTINGS,
    args,
    io,
    (warn) => loadSettings(args, env, {}, warn),
  );
  if ('exit' in read) return read.exit;
  const settings = read.settings;
  let handle: Awaited<ReturnType<typeof startSidecar>>;
  try {
    handle = await startSidecar(settings);
  } catch (error) {
    const code = isSluiceError(error) ? error.code : 'SLUICE_CONFIG_INVALID';
    io.stderr.write(`sluice sidecar: ${code}: ${(error as Error).message}\n`);
    return 1;
  }
  // Child processes (tests, benchmarks) read the real ports from this line.
  io.stdout.write(`${JSON.stringify({ event: 'listening', ports: handle.ports })}\n`);
  await untilStopped();
  await handle.close();
  return 0;
}
