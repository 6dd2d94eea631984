/**
 * Progress while the scenario runs: on a terminal, one redrawn bar per phase with the current
 * request rate and the other tenants' p95; otherwise plain lines (CI logs, pipes).
 */
import { quantile } from '../lib/stats.ts';
import type { PhaseFigures } from './analysis.ts';
import type { Sample } from './load.ts';

export interface PhaseProgress {
  update(samples: Sample[]): void;
  done(figures: PhaseFigures): void;
}

export interface Progress {
  start(label: string, durationMs: number): PhaseProgress;
}

export function createProgress(out: NodeJS.WritableStream & { isTTY?: boolean }, heavy: string): Progress {
  const tty = out.isTTY === true;
  return {
    start(label, durationMs) {
      const began = performance.now();
      let lastDraw = 0;
      let lastLine = began;
      if (!tty) out.write(`phase ${label}: ${Math.round(durationMs / 1000)} s\n`);
      const describe = (samples: Sample[]) => {
        const elapsed = Math.max(1, performance.now() - began);
        const recent = samples.filter((s) => s.at >= elapsed - 5_000);
        const rate = (recent.length / Math.min(elapsed, 5_000)) * 1000;
        const p95 = quantile(
          samples.filter((s) => s.tenant !== heavy).map((s) => s.latencyMs),
          0.95,
        );
        return {
          elapsed,
          text: `${rate.toFixed(1)} answered/s, others p95 ${Number.isFinite(p95) ? Math.round(p95) : '-'} ms`,
        };
      };
      return {
        update(samples) {
          const now = performance.now();
          if (tty && now - lastDraw > 100) {
            lastDraw = now;
            const { elapsed, text } = describe(samples);
            const filled = Math.min(20, Math.round((elapsed / durationMs) * 20));
            out.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${label}: ${text}`);
          } else if (!tty && now - lastLine > 10_000) {
            lastLine = now;
            out.write(`  ${label}: ${describe(samples).text}\n`);
          }
        },
        done(figures) {
          const line = `${label}: others p95 ${Math.round(figures.othersP95Ms)} ms, errors ${(figures.othersErrorRate * 100).toFixed(1)}%`;
          out.write(tty ? `\r\x1b[K[${'#'.repeat(20)}] ${line}\n` : `  done: ${line}\n`);
        },
      };
    },
  };
}
