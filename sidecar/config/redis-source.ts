/**
 * Redis mode: the operator's tenant records (policy/wire.ts) loaded at start, kept current
 * through the updates channel, resynced on reconnect and periodically by the generation
 * counter and the version index, and saved as a last-known-good snapshot in --state-dir that
 * start-up uses when Redis is down. The request path only ever reads the in-memory PolicySet.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeRecord, type PolicyUpdate, type RedisKeys, type TenantRecord } from '../../policy/wire.ts';
import type { SidecarMetrics } from '../metrics.ts';
import type { PolicySet } from './policy-set.ts';

export interface RedisSourceOptions {
  client: Redis;
  subscriber: Redis;
  keys: RedisKeys;
  set: PolicySet;
  log: Logger;
  metrics: SidecarMetrics;
  now: () => number;
  stateDir: string | null;
  resyncMs: number;
  /** How long start() waits for Redis before starting from the snapshot. */
  startWaitMs?: number;
}

const SNAPSHOT = 'policies.snapshot.json';

interface Snapshot {
  savedAt: string;
  generation: string | null;
  records: TenantRecord[];
}

export class RedisSource {
  private readonly o: RedisSourceOptions;
  private generation: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | null = null;
  private closed = false;

  constructor(options: RedisSourceOptions) {
    this.o = options;
  }

  async start(): Promise<void> {
    const { client, subscriber, keys, log } = this.o;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === keys.updates) void this.onUpdate(message);
    });
    // ioredis re-subscribes by itself after a reconnect; the resync below covers what was missed.
    subscriber
      .subscribe(keys.updates)
      .catch((error: unknown) => log.warn({ err: error }, 'subscribe failed'));
    let first = true;
    client.on('ready', () => {
      if (first) return;
      log.info('redis back: resyncing the policy set');
      void this.resync(true);
    });
    const ready = await waitReady(client, this.o.startWaitMs ?? 2_000);
    first = false;
    if (ready) {
      try {
        await this.resync(true);
      } catch (error) {
        log.warn({ err: error }, 'policy load from redis failed');
      }
    }
    if (!this.o.set.ready()) this.loadSnapshot();
    this.timer = setInterval(() => void this.resync(false).catch(() => {}), this.o.resyncMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.snapshotTimer) {
      clearTimeout(this.snapshotTimer);
      this.saveSnapshot();
    }
  }

  /** Compares the generation (unless forced), then the version index; fetches only what changed. */
  resync(force: boolean): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = this.doResync(force).finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async doResync(force: boolean): Promise<void> {
    const { client, keys, set, metrics, now, log } = this.o;
    if (client.status !== 'ready') return;
    try {
      const generation = await client.get(keys.generation);
      if (!force && set.ready() && generation === this.generation) {
        metrics.synced(now());
        return;
      }
      const index = await client.hgetall(keys.policyIndex);
      if (generation === null && Object.keys(index).length === 0 && set.ready()) {
        // Redis answers but holds no policy data at all (restarted without persistence, or
        // flushed): that is not "every tenant was deleted". Keep serving the last set until the
        // operator writes again; deletions always bump the generation, so they still apply.
        log.warn(
          { tenants: set.size() },
          'redis has no policy data; keeping the last set until the operator writes',
        );
        return;
      }
      const wanted = Object.keys(index).filter((t) => set.byTenant(t)?.policy.version !== index[t] || force);
      const fetched = new Map<string, TenantRecord>();
      for (let i = 0; i < wanted.length; i += 500) {
        const chunk = wanted.slice(i, i + 500);
        const texts = await client.mget(chunk.map((t) => keys.policy(t)));
        texts.forEach((text, j) => {
          if (text === null) return;
          try {
            fetched.set(chunk[j]!, decodeRecord(text));
          } catch (error) {
            log.error(
              { tenant: chunk[j], err: error },
              'tenant record in redis is not valid; keeping the old one',
            );
          }
        });
      }
      const records: TenantRecord[] = [];
      for (const tenantId of Object.keys(index)) {
        const record = fetched.get(tenantId) ?? set.byTenant(tenantId);
        if (record) records.push(record);
      }
      set.replace(records);
      this.generation = generation;
      metrics.configReloads.inc({ source: 'redis', result: 'ok' });
      metrics.policySet(
        records.map((r) => [r.policy.tenantId, r.policy.version]),
        now(),
      );
      if (wanted.length > 0 || force) {
        log.info(
          { tenants: records.length, fetched: fetched.size, generation },
          'policy set synced from redis',
        );
        this.scheduleSnapshot();
      }
    } catch (error) {
      metrics.configReloads.inc({ source: 'redis', result: 'error' });
      log.warn({ err: error }, 'policy resync from redis failed; serving the last set');
    }
  }

  private async onUpdate(message: string): Promise<void> {
    const { client, keys, set, log, metrics, now } = this.o;
    let update: PolicyUpdate;
    try {
      update = JSON.parse(message) as PolicyUpdate;
      if (typeof update.tenantId !== 'string') throw new TypeError('no tenantId');
    } catch (error) {
      log.warn({ err: error }, 'policy update message not understood; resyncing');
      return this.resync(true);
    }
    try {
      if (update.deleted) {
        set.remove(update.tenantId);
      } else {
        const text = await client.get(keys.policy(update.tenantId));
        if (text === null) set.remove(update.tenantId);
        else set.upsert(decodeRecord(text));
      }
      metrics.policySet(
        set.all().map((r) => [r.policy.tenantId, r.policy.version]),
        now(),
      );
      log.info(
        { tenant: update.tenantId, version: update.version, deleted: update.deleted },
        'policy updated',
      );
      this.scheduleSnapshot();
    } catch (error) {
      log.warn({ err: error, tenant: update.tenantId }, 'policy update could not be applied; resyncing');
      await this.resync(true);
    }
  }

  private scheduleSnapshot(): void {
    if (!this.o.stateDir || this.snapshotTimer || this.closed) return;
    // Coalesce bursts of updates into one write a second.
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      this.saveSnapshot();
    }, 1_000);
    this.snapshotTimer.unref();
  }

  /** Writes the snapshot atomically (temp file + rename): a crash never leaves half a file. */
  saveSnapshot(): void {
    const dir = this.o.stateDir;
    if (!dir || !this.o.set.ready()) return;
    try {
      mkdirSync(dir, { recursive: true });
      const snapshot: Snapshot = {
        savedAt: new Date(this.o.now()).toISOString(),
        generation: this.generation,
        records: this.o.set.all(),
      };
      const tmp = join(dir, `${SNAPSHOT}.${process.pid}.tmp`);
      writeFileSync(tmp, JSON.stringify(snapshot), { mode: 0o600 });
      renameSync(tmp, join(dir, SNAPSHOT));
    } catch (error) {
      this.o.log.warn({ err: error, dir }, 'cannot write the policy snapshot');
    }
  }

  private loadSnapshot(): void {
    const { stateDir, set, log, metrics } = this.o;
    if (!stateDir) {
      log.warn('redis unreachable and no --state-dir: not ready until redis answers');
      return;
    }
    try {
      const snapshot = JSON.parse(readFileSync(join(stateDir, SNAPSHOT), 'utf8')) as Snapshot;
      const records = snapshot.records.map((r) => decodeRecord(JSON.stringify(r)));
      set.replace(records);
      this.generation = null; // force a compare once redis answers
      metrics.configReloads.inc({ source: 'snapshot', result: 'ok' });
      metrics.policySet(
        records.map((r) => [r.policy.tenantId, r.policy.version]),
        Date.parse(snapshot.savedAt),
      );
      log.warn(
        { tenants: records.length, savedAt: snapshot.savedAt },
        'redis unreachable: serving the last-known-good snapshot',
      );
    } catch (error) {
      metrics.configReloads.inc({ source: 'snapshot', result: 'error' });
      log.warn(
        { err: error, stateDir },
        'redis unreachable and no usable snapshot: not ready until redis answers',
      );
    }
  }
}

function waitReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}
