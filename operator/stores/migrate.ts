/**
 * Plain SQL migrations applied in file-name order, once each, under a Postgres advisory lock —
 * so two operators starting together apply them once, and a restart applies nothing.
 * Each file runs in its own transaction with its bookkeeping row (all or nothing).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

const ignore = () => {};

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Arbitrary but fixed: "sluice" in ASCII, the advisory lock every operator agrees on. */
const LOCK_KEY = 0x736c75696365;

export interface Migration {
  name: string;
  sql: string;
}

export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(new URL(name, dir), 'utf8') }));
}

/** Applies what is missing; returns the names applied now. */
export async function migrate(pool: pg.Pool, migrations: Migration[] = loadMigrations()): Promise<string[]> {
  const client = await pool.connect();
  client.on('error', ignore); // the failing query reports it; see stores/postgres.ts
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS sluice_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM sluice_migrations')).rows.map((r) => r.name),
    );
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO sluice_migrations (name) VALUES ($1)', [m.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${String(error)}`, { cause: error });
      }
      applied.push(m.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.off('error', ignore);
    client.release();
  }
  return applied;
}
