/**
 * One name per thing across the commands (docs/adr/0042-one-settings-table-for-every-command.md):
 * a flag two commands share reads the same environment variables in both, and an environment
 * variable two commands read is the same flag in both (`--redis-url` is SLUICE_REDIS_URL or
 * REDIS_URL for the sidecar, the operator and the simulator alike).
 */
import { describe, expect, it } from 'vitest';
import { OPERATOR_SETTINGS } from '../../../operator/settings.ts';
import { SIDECAR_SETTINGS } from '../../../sidecar/config/settings.ts';
import { RAG_APP_SETTINGS } from '../../noisy-neighbor/fakes/rag-app.ts';
import { NOISY_NEIGHBOR_SETTINGS } from '../../noisy-neighbor/settings.ts';
import { PROMPT_CHECK_SETTINGS } from '../../prompt-check-settings.ts';
import { VALIDATE_SETTINGS } from '../../validate.ts';
import { envName, type Setting, type Table } from './table.ts';

const COMMANDS: Record<string, Table> = {
  sidecar: SIDECAR_SETTINGS,
  operator: OPERATOR_SETTINGS,
  'noisy-neighbor': NOISY_NEIGHBOR_SETTINGS,
  'prompt-check': PROMPT_CHECK_SETTINGS,
  validate: VALIDATE_SETTINGS,
  'rag-app': RAG_APP_SETTINGS,
};

const rows = Object.entries(COMMANDS).flatMap(([command, table]) =>
  Object.values(table).map((s) => ({ command, s })),
);
const envs = (s: Setting<unknown>) => [s.env, ...s.envAlso];

/** Keys that more than one command uses, with the rows using them. */
function shared(key: (s: Setting<unknown>) => readonly string[]) {
  const by = new Map<string, typeof rows>();
  for (const row of rows) for (const k of key(row.s)) by.set(k, [...(by.get(k) ?? []), row]);
  return [...by].filter(([, list]) => new Set(list.map((r) => r.command)).size > 1);
}

describe('names across the commands', () => {
  it('the shared flags include the stores and the cluster', () => {
    expect(shared((s) => [s.flag]).map(([flag]) => flag)).toEqual(
      expect.arrayContaining(['redis-url', 'database-url', 'kubeconfig']),
    );
  });

  // A command's own copy of a flag (its listener's --port) carries the command's name in its
  // variable, so one environment can hold several commands' (SLUICE_OPERATOR_METRICS_PORT beside
  // the sidecar's SLUICE_METRICS_PORT).
  const own = (command: string, s: Setting<unknown>) =>
    s.env === envName(`${command}-${s.flag}`) ||
    (command === 'operator' && s.env === envName(`operator-${s.flag}`));

  it.each(shared((s) => [s.flag]))('--%s reads the same variables in every command', (_flag, list) => {
    const common = list.filter(({ command, s }) => !own(command, s));
    // The sidecar does not read the 12-factor REDIS_URL: `. .cache/dev/env` and many app pods set
    // it for something else, and it would switch a file-mode sidecar to Redis mode.
    const plain = (command: string, s: Setting<unknown>) =>
      command === 'sidecar' && s.flag === 'redis-url' ? [...envs(s), 'REDIS_URL'] : envs(s);
    for (const { command, s } of common)
      expect(plain(command, s)).toEqual(plain(common[0]!.command, common[0]!.s));
  });

  it.each(shared(envs))('%s is the same flag in every command', (_env, list) => {
    for (const { s } of list) expect(s.flag).toBe(list[0]!.s.flag);
  });

  it('no command of ours reads a variable outside SLUICE_* but the well-known ones', () => {
    const outside = new Set(rows.flatMap(({ s }) => envs(s)).filter((e) => !e.startsWith('SLUICE_')));
    expect([...outside].sort()).toEqual(['DATABASE_URL', 'KUBECONFIG', 'QUICK', 'REDIS_URL']);
  });
});
