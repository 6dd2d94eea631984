/**
 * `npm audit --omit=dev`: no known vulnerability in the production dependencies. The registry
 * on the dev machines answers the audit endpoint with 405, so the test reports "unavailable" and
 * skips rather than pretending; where the endpoint answers, high/critical findings fail it.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

function audit(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['audit', '--omit=dev', '--json'],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm audit --omit=dev', () => {
  it('finds no high or critical vulnerability (or reports the endpoint unavailable)', async (ctx) => {
    const r = await audit();
    let report: {
      metadata?: { vulnerabilities?: Record<string, number> };
      error?: { code?: string; summary?: string };
    };
    try {
      report = JSON.parse(r.stdout);
    } catch {
      report = {};
    }
    const vulns = report.metadata?.vulnerabilities;
    if (!vulns) {
      console.log(
        `npm audit: unavailable (${report.error?.summary ?? r.stderr.split('\n')[0] ?? 'no report'})`,
      );
      ctx.skip();
      return;
    }
    expect((vulns['high'] ?? 0) + (vulns['critical'] ?? 0)).toBe(0);
  }, 90_000);
});
