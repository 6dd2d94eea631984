/**
 * The real services `make dev-up` started, as tests see them. Integration tests call
 * `devEnv()` and get a clear error — not a hang — when the control plane is not up.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

export interface DevEnv {
  kubeconfig: string;
  redisUrl: string;
  databaseUrl: string;
  devDir: string;
  controlPlaneBin: string;
}

const ENV_FILE = new URL('../../.cache/dev/env', import.meta.url);

export function devEnv(): DevEnv {
  const fromFile: Record<string, string> = {};
  if (existsSync(ENV_FILE)) {
    for (const match of readFileSync(ENV_FILE, 'utf8').matchAll(/^export (\w+)=(.*)$/gm)) {
      fromFile[match[1]!] = match[2]!;
    }
  }
  const get = (name: string) => {
    const value = process.env[name] ?? fromFile[name];
    if (!value)
      throw new Error(`${name} is not set: run \`make dev-up\` (or \`make test\`, which starts it) first`);
    return value;
  };
  return {
    kubeconfig: get('KUBECONFIG'),
    redisUrl: get('REDIS_URL'),
    databaseUrl: get('DATABASE_URL'),
    devDir: get('SLUICE_DEV_DIR'),
    controlPlaneBin: get('SLUICE_CONTROL_PLANE_BIN'),
  };
}

const run = promisify(execFile);

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs kubectl as a user would, against the dev control plane (or the API server of `kubeconfig`).
 * Never throws on exit code.
 */
export async function kubectl(
  args: string[],
  options: { input?: string; kubeconfig?: string } = {},
): Promise<KubectlResult> {
  const env = { ...process.env, KUBECONFIG: options.kubeconfig ?? devEnv().kubeconfig };
  if (options.input !== undefined) {
    return new Promise((resolve) => {
      const child = execFile('kubectl', args, { env }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      child.stdin!.end(options.input);
    });
  }
  try {
    const { stdout, stderr } = await run('kubectl', args, { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
