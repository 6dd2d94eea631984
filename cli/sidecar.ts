/**
 * `sluice sidecar [flags]`: runs the data plane beside the app. Settings from flags and
 * SLUICE_* environment (sidecar/config/settings.ts); a bad setting exits 2 with
 * SLUICE_CONFIG_INVALID naming it. Runs until SIGTERM / SIGINT, then drains and exits 0.
 */
import { isSluiceError } from '../policy/errors.ts';
import { loadSettings, SIDECAR_SETTINGS } from '../sidecar/config/settings.ts';
import { startSidecar } from '../sidecar/main.ts';
import type { Io } from './io.ts';
import { helpText } from './lib/settings/render.ts';

export async function sidecar(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(
      `usage: sluice sidecar (--policies PATH | --redis-url URL) [--upstream URL] [flags]\n\nflags (a flag wins over its environment variable, which wins over the default):\n${helpText(SIDECAR_SETTINGS)}\n`,
    );
    return 0;
  }
  let settings: ReturnType<typeof loadSettings>;
  try {
    settings = loadSettings(args, env, {}, (warning) =>
      io.stderr.write(`sluice sidecar: warning: ${warning}\n`),
    );
  } catch (error) {
    if (isSluiceError(error)) {
      io.stderr.write(`sluice sidecar: ${error.code}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
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
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await handle.close();
  return 0;
}
