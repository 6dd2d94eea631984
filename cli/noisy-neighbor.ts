/**
 * `sluice noisy-neighbor --scenario FILE --out DIR [--target URL]`: reproduces the noisy-neighbor
 * incident on a local stack, measures what Sluice changes and writes the report.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { isSluiceError } from '../policy/errors.ts';
import type { Io } from './io.ts';
import { createProgress } from './noisy-neighbor/progress.ts';
import { flatFields, summaryTable, writeReport } from './noisy-neighbor/report.ts';
import { runScenario } from './noisy-neighbor/run.ts';
import { parseScenario } from './noisy-neighbor/scenario.ts';

const USAGE = `usage: sluice noisy-neighbor --scenario FILE --out DIR [--tenants DIR] [--target URL] [--cluster]
  Runs the scenario's phases (baseline, the heavy tenant without and with Sluice, a breaking-point
  search, an emergency override and suspension) and writes report.md, report.json, report.html
  and SVG charts into DIR. QUICK=1 runs the scenario's short phases. --cluster runs the
  emergency phase through kubectl patch and the operator (KUBECONFIG, REDIS_URL and DATABASE_URL
  from the environment, e.g. \`. .cache/dev/env\` after \`make dev-up\`).
`;

export async function noisyNeighbor(
  args: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let values: {
    scenario?: string;
    out?: string;
    tenants?: string;
    target?: string;
    cluster?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        scenario: { type: 'string' },
        out: { type: 'string' },
        tenants: { type: 'string' },
        target: { type: 'string' },
        cluster: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    io.stderr.write(`SLUICE_CONFIG_INVALID: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!values.scenario || !values.out) {
    io.stderr.write(`SLUICE_CONFIG_INVALID: --scenario and --out are required\n${USAGE}`);
    return 2;
  }
  const quick = env['QUICK'] === '1';
  let cluster: { kubeconfig: string; redisUrl: string; databaseUrl: string } | undefined;
  if (values.cluster) {
    const [kubeconfig, redisUrl, databaseUrl] = [env['KUBECONFIG'], env['REDIS_URL'], env['DATABASE_URL']];
    if (!kubeconfig || !redisUrl || !databaseUrl) {
      io.stderr.write(
        'SLUICE_CONFIG_INVALID: --cluster needs KUBECONFIG, REDIS_URL and DATABASE_URL (`. .cache/dev/env`)\n',
      );
      return 2;
    }
    cluster = { kubeconfig, redisUrl, databaseUrl };
  }
  try {
    const scenario = parseScenario(parse(readFileSync(values.scenario, 'utf8')), { quick });
    const report = await runScenario({
      scenario,
      scenarioFile: values.scenario,
      quick,
      tenantsDir: resolve(values.tenants ?? new URL('../examples/tenants', import.meta.url).pathname),
      workDir: resolve(values.out),
      progress: createProgress(
        io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
        scenario.heavy.tenant,
      ),
      ...(values.target ? { target: values.target } : {}),
      ...(cluster ? { cluster } : {}),
    });
    const files = writeReport(resolve(values.out), report);
    io.stdout.write(`${summaryTable(report)}\n\n${JSON.stringify(flatFields(report))}\n`);
    io.stderr.write(`wrote ${files.join(', ')}\n`);
    return 0;
  } catch (error) {
    if (isSluiceError(error)) {
      io.stderr.write(`${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
