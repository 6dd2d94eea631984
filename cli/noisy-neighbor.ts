/**
 * `sluice noisy-neighbor --scenario FILE --out DIR [flags]`: reproduces the noisy-neighbor
 * incident on a local stack, measures what Sluice changes and writes the report. Flags from
 * noisy-neighbor/settings.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { isSluiceError, SluiceError } from '../policy/errors.ts';
import type { Io } from './io.ts';
import { commandSettings } from './lib/settings/command.ts';
import { parseSettings } from './lib/settings/parse.ts';
import { createProgress } from './noisy-neighbor/progress.ts';
import { flatFields, summaryTable, writeReport } from './noisy-neighbor/report.ts';
import { runScenario } from './noisy-neighbor/run.ts';
import { parseScenario } from './noisy-neighbor/scenario.ts';
import { NOISY_NEIGHBOR_SETTINGS } from './noisy-neighbor/settings.ts';

const ABOUT = `Runs the scenario's phases (baseline, the heavy tenant without and with Sluice, a breaking-point
search, an emergency override and suspension) and writes report.md, report.json, report.html and
SVG charts into --out. --cluster runs the emergency phase through kubectl patch and the operator.`;

export async function noisyNeighbor(
  args: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const read = commandSettings(
    'sluice noisy-neighbor',
    '--scenario FILE --out DIR [--cluster] [flags]',
    NOISY_NEIGHBOR_SETTINGS,
    args,
    io,
    (warn) => {
      const { values, warnings } = parseSettings(NOISY_NEIGHBOR_SETTINGS, args, env);
      warnings.forEach(warn);
      if (!values.cluster) return { values, cluster: undefined };
      const { kubeconfig, redisUrl, databaseUrl } = values;
      if (!kubeconfig || !redisUrl || !databaseUrl) {
        throw new SluiceError(
          'SLUICE_CONFIG_INVALID',
          '--cluster needs --kubeconfig, --redis-url and --database-url (or KUBECONFIG, REDIS_URL and DATABASE_URL: `. .cache/dev/env` after `make dev-up`)',
        );
      }
      return { values, cluster: { kubeconfig, redisUrl, databaseUrl } };
    },
    ABOUT,
  );
  if ('exit' in read) return read.exit;
  const { values, cluster } = read.settings;
  const scenarioFile = values.scenario!;
  const out = values.out!;
  const quick = values.quick;
  try {
    const scenario = parseScenario(parse(readFileSync(scenarioFile, 'utf8')), { quick });
    const report = await runScenario({
      scenario,
      scenarioFile,
      quick,
      tenantsDir: resolve(values.tenants ?? new URL('../examples/tenants', import.meta.url).pathname),
      workDir: resolve(out),
      progress: createProgress(
        io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
        scenario.heavy.tenant,
      ),
      ...(values.target ? { target: values.target } : {}),
      ...(cluster ? { cluster } : {}),
    });
    const files = writeReport(resolve(out), report);
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
