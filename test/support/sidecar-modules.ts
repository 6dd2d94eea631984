/**
 * Starts `sluice sidecar ARGS` in a child process with the module logger
 * (test/support/module-log.ts), waits until /readyz answers 200, stops it with SIGTERM and
 * returns the repo-relative paths (and `node_modules/<package>/…` paths) of every module it
 * loaded. What a sidecar loads at start is what it carries in memory in every pod.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `entry`: the CLI to start, cli/sluice.ts by default (the image's bundle: docs/adr/0037). */
export async function sidecarModules(
  args: string[],
  entry = fileURLToPath(new URL('../../cli/sluice.ts', import.meta.url)),
): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-modules-'));
  const log = join(dir, 'modules.txt');
  const child = spawn(
    process.execPath,
    [
      '--import',
      fileURLToPath(new URL('./module-log.ts', import.meta.url)),
      entry,
      'sidecar',
      ...['--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--admin-port', '0'],
      ...['--log-level', 'warn', '--state-dir', dir],
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SLUICE_MODULE_LOG: log } },
  );
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr = (stderr + c).slice(-5_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const admin = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.includes('"listening"'));
        if (line) resolve((JSON.parse(line) as { ports: { admin: number } }).ports.admin);
      });
      void exited.then((code) => reject(new Error(`sidecar exited with ${code}:\n${stderr}`)));
    });
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${admin}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`sidecar exited with ${code} after SIGTERM:\n${stderr}`);
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith('file://'))
      .map((url) => fileURLToPath(url))
      .map((path) => (path.startsWith(ROOT) ? path.slice(ROOT.length) : path));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
