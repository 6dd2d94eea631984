/**
 * `kubectl sluice override` → in effect on a running sidecar. The operator and a sidecar
 * process (Redis mode, default 2 s heartbeat) on the dev control plane; the plugin runs in this
 * process (no Node start-up in the numbers), alternating a 10x override and --clear:
 *
 *   command_to_sidecar_ms   the command starts → the sidecar's admin API serves the new version
 *   command_to_reported_ms  the command starts → it returns, having read Propagated from status
 *   write_to_applied_ms     the operator's Redis write → the sidecar applied it (status, Redis clock)
 *
 *   make bench-override          20 overrides;  QUICK=1: 6
 */
import { PassThrough } from 'node:stream';
import { ms3, quantile } from '../cli/lib/stats.ts';
import { runPlugin } from '../cli/plugin/index.ts';
import { startSluiceStack, whenServedChanges } from '../test/e2e/sluice-stack.ts';
import { kubectl } from '../test/harness/env.ts';

const N = process.env['QUICK'] === '1' ? 6 : 20;
const stack = await startSluiceStack();
const io = () => ({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() });
const sluice = (args: string[]) =>
  runPlugin([...args, '-n', stack.namespace, '--kubeconfig', stack.kubeconfig], io(), { env: stack.env });

try {
  if ((await sluice(['create', 'tenant', 'bench', '--tier', 'pro'])) !== 0)
    throw new Error('create tenant failed');
  const toSidecar: number[] = [];
  const reported: number[] = [];
  const applied: number[] = [];
  for (let i = 0; i < N; i++) {
    const before = await stack.served('bench');
    const t0 = performance.now();
    const watch = whenServedChanges(stack, 'bench', before, t0, 2);
    const args = i % 2 === 0 ? ['--multiplier', '10', '--for', '2h', '--reason', `BENCH-${i}`] : ['--clear'];
    const code = await sluice(['override', 'bench', ...args]);
    const back = performance.now();
    const seen = await watch;
    if (code !== 0 || !seen) throw new Error(`override ${i} failed (exit ${code}, seen ${seen})`);
    toSidecar.push(seen - t0);
    reported.push(back - t0);
    const p = JSON.parse((await kubectl(['get', 'tp', 'bench', '-n', stack.namespace, '-o', 'json'])).stdout)
      .status.propagation;
    applied.push(Date.parse(p.propagatedAt) - Date.parse(p.writtenAt));
  }
  const round = (v: number[]) => ({
    p50: ms3(quantile(v, 0.5)),
    p95: ms3(quantile(v, 0.95)),
    max: ms3(Math.max(...v)),
  });
  process.stdout.write(
    `${JSON.stringify({
      bench: 'kubectl-sluice-override',
      overrides: N,
      sidecars: 1,
      command_to_sidecar_ms: round(toSidecar),
      command_to_reported_ms: round(reported),
      write_to_applied_ms: round(applied),
    })}\n`,
  );
} finally {
  await stack.close();
}
