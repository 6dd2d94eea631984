/**
 * Helpers for the operator's integration tests and benchmark: a kubeconfig that impersonates
 * the operator's ServiceAccount (so RBAC is what the chart grants), a throw-away Postgres
 * database, polling.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { until } from './until.ts';

export const OPERATOR_SA = 'system:serviceaccount:sluice-system:sluice-operator';

export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A copy of the kubeconfig whose user acts as the operator's ServiceAccount. */
export function impersonatingKubeconfig(kubeconfig: string, as: string = OPERATOR_SA): string {
  const doc = parse(readFileSync(kubeconfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  for (const u of doc.users) u.user['as'] = as;
  const path = join(tmpdir(), `${randomName('sluice-operator-kubeconfig')}.yaml`);
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}

/** CREATE DATABASE with a random name; returns its URL and a drop function. */
export async function tempDatabase(databaseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sluice_op_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Polls until fn returns a truthy value (test/support/until.ts); throws after timeoutMs. */
export function eventually<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  return until(fn, 'the condition', timeoutMs, everyMs);
}
