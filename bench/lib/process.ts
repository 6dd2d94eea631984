/** Starts a Node script as a child process and waits for its first JSON line that has "listening". */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface NodeProcess {
  child: ChildProcess;
  info: Record<string, unknown>;
  stop(): Promise<void>;
  /** Resident set size now and at peak (VmHWM), MB, from /proc. */
  rssMb(): { now: number; peak: number };
  /** CPU time used so far (user + system), ms, from /proc (resolution: one clock tick, 10 ms). */
  cpuMs(): number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process, ms. Fields 14 and 15 of /proc/<pid>/stat, counted after the ")". */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
}

/** `env` is added to this process's environment for the child (e.g. NODE_OPTIONS). */
export async function spawnNode(
  script: URL,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<NodeProcess> {
  const child = spawn(process.execPath, [fileURLToPath(script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stderr!.on('data', (c) => (output = (output + c).slice(-10_000)));
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script.pathname} did not start:\n${output}`)), 30_000);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split('\n')) {
        if (!line.includes('listening')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script.pathname} exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    info,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    },
    cpuMs: () => processCpuMs(child.pid!),
  };
}
