/**
 * Real sidecar child processes (`sluice sidecar`, the image's entrypoint, on the same Node as the caller), for the
 * multi-replica tests and benchmarks. Resolves with the ports the child printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../cli/sluice.ts', import.meta.url));

/** Every listener on loopback, on a port the kernel picks (the child prints which). */
export const LOOPBACK_FLAGS: readonly string[] = [
  ...['--host', '127.0.0.1'],
  ...['--port', '0', '--metrics-port', '0', '--admin-port', '0', '--egress-port', '0'],
];

export interface SidecarProcess {
  ports: { ingress: number; metrics: number; admin: number };
  child: ChildProcess;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<void>;
  /** The child's stdout + stderr so far (for assertion messages). */
  output(): string;
}

export async function spawnSidecar(
  args: string[],
  env: Record<string, string> = {},
): Promise<SidecarProcess> {
  const child = spawn(process.execPath, [ENTRY, 'sidecar', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (c) => (output = (output + c).slice(-20_000)));
  const ports = await new Promise<SidecarProcess['ports']>((resolve, reject) => {
    // 120 s: four sidecars starting at once on a shared 2-core machine at a load average of 20
    // took over a minute. A start that never comes still fails.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sidecar did not start in 120 s:\n${output}`));
    }, 120_000);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output = (output + chunk).slice(-20_000);
      buffered += chunk.toString();
      for (const line of buffered.split('\n')) {
        if (!line.includes('"event":"listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { ports: SidecarProcess['ports'] }).ports);
        return;
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited with ${code}:\n${output}`));
    });
  });
  return {
    ports,
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
