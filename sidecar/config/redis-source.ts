/**
 * Redis mode (ADR 0025): the sidecar holds the tenants it serves, not the installation.
 *
 *  - First sight: an API key whose hash is not in the PolicySet is looked up in Redis
 *    ({p}apikey:{hash} -> tenant, then the tenant's record, which must list that hash), loaded
 *    into the bounded PolicySet, and its shard channel subscribed (SSUBSCRIBE {p}{tenant}:updates).
 *    Concurrent lookups of one hash share one Redis call; unknown hashes go into a bounded
 *    negative cache for a few seconds; and lookups of hashes not yet cached are limited to
 *    --policy-lookups-per-sec per replica, so a flood of random keys costs Redis a bounded
 *    rate and nothing more (over it: 503 SLUICE_NOT_READY, never a false 401).
 *  - Pushed invalidation: the operator SPUBLISHes on the tenant's channel in the same MULTI as
 *    the record, so only replicas holding the tenant hear of it; a message reloads the record.
 *  - Resync (on reconnect, and every --resync-ms when the global generation moved) reads the
 *    change feed since the generation it last saw and compares only the held tenants that
 *    changed ({p}{tenant}:version); reloads what differs. A safety net for a lost message.
 *  - The last-known-good snapshot in --state-dir holds the tenants this replica served; start-up
 *    uses it when Redis is down, and re-reads those tenants from Redis (warm start) when it is up.
 *
 * The request path only ever reads the in-memory PolicySet; the lazy-load hook
 * (sidecar/config/lazy-load.ts) awaits `lookupKey` once per unseen key.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import {
  CHANGES_KEPT,
  decodeRecord,
  type PolicyUpdate,
  type RedisKeys,
  type TenantRecord,
} from '../../policy/wire.ts';
import type { SidecarMetrics } from '../metrics.ts';
import type { PolicySet } from './policy-set.ts';
import type { RedisClient } from './redis-client.ts';

export interface RedisSourceOptions {
  client: RedisClient;
  subscriber: RedisClient;
  keys: RedisKeys;
  set: PolicySet;
  log: Logger;
  metrics: SidecarMetrics;
  now: () => number;
  stateDir: string | null;
  resyncMs: number;
  /** How long start() waits for Redis before starting from the snapshot. */
  startWaitMs?: number;
  /** How long an unknown API-key hash is remembered as unknown, ms. */
  negativeTtlMs?: number;
  /** Most unknown hashes remembered. */
  negativeCapacity?: number;
  /** Redis lookups of not-yet-held keys per second (token bucket, burst = the rate). */
  lookupsPerSec?: number;
  registry?: Registry;
}

/** found: now in the set; unknown: no tenant has it; unavailable: cannot ask Redis; throttled: over the lookup rate. */
export type LookupResult = 'found' | 'unknown' | 'unavailable' | 'throttled';

const SNAPSHOT = 'policies.snapshot.json';
const CHUNK = 200;

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
  private readonly inflightKeys = new Map<string, Promise<LookupResult>>();
  private readonly inflightTenants = new Map<string, Promise<TenantRecord | null>>();
  private readonly negative = new Map<string, number>();
  private readonly subscribed = new Set<string>();
  /** Held tenants whose record was behind its index entry at the last resync. */
  private readonly pending = new Set<string>();
  private tokens: number;
  private refilledAt: number;
  private readonly lookups: Counter<'result'>;

  constructor(options: RedisSourceOptions) {
    this.o = options;
    this.tokens = this.rate();
    this.refilledAt = options.now();
    const name = 'sluice_policy_lookups_total';
    const existing = options.registry?.getSingleMetric(name) as Counter<'result'> | undefined;
    this.lookups =
      existing ??
      new Counter({
        name,
        help: 'API keys not held by this replica looked up in Redis, by result (found, unknown, negative_cached, throttled, unavailable)',
        labelNames: ['result'],
        registers: options.registry ? [options.registry] : [],
      });
  }

  async start(): Promise<void> {
    const { client, subscriber, keys, log, set } = this.o;
    subscriber.on('smessage', (channel: string, message: string) => void this.onUpdate(channel, message));
    set.onEvict((tenantId) => this.unsubscribe(tenantId));
    let first = true;
    client.on('ready', () => {
      if (first) return;
      log.info('redis back: resyncing the held tenants');
      void this.resync(true);
    });
    const ready = await waitReady(client, this.o.startWaitMs ?? 2_000);
    first = false;
    const snapshot = this.readSnapshot();
    if (ready) {
      set.markReady();
      // Warm start: the tenants served before the restart, re-read from Redis (not from the file).
      const warm = snapshot?.records.map((r) => r.policy.tenantId) ?? [];
      await Promise.all(warm.slice(0, set.limit()).map((t) => this.loadTenant(t).catch(() => null)));
      this.generation = await client.get(keys.generation).catch(() => null);
      this.publishMetrics();
      log.info({ tenants: set.size(), capacity: set.limit() }, 'redis policy source ready');
    } else {
      this.useSnapshot(snapshot);
    }
    this.timer = setInterval(() => void this.resync(false).catch(() => {}), this.o.resyncMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.snapshotTimer) {
      clearTimeout(this.snapshotTimer);
      this.snapshotTimer = undefined;
      this.saveSnapshot();
    }
  }

  /** Makes the tenant of an API-key hash held (or says why not). Never throws. */
  lookupKey(keyHash: string): Promise<LookupResult> {
    if (this.o.set.peekKey(keyHash)) return Promise.resolve('found');
    const now = this.o.now();
    const until = this.negative.get(keyHash);
    if (until !== undefined) {
      if (until > now) {
        this.lookups.inc({ result: 'negative_cached' });
        return Promise.resolve('unknown');
      }
      this.negative.delete(keyHash);
    }
    const running = this.inflightKeys.get(keyHash);
    if (running) return running;
    if (this.o.client.status !== 'ready') {
      this.lookups.inc({ result: 'unavailable' });
      return Promise.resolve('unavailable');
    }
    if (!this.take(now)) {
      this.lookups.inc({ result: 'throttled' });
      return Promise.resolve('throttled');
    }
    const p = this.doLookupKey(keyHash).finally(() => this.inflightKeys.delete(keyHash));
    this.inflightKeys.set(keyHash, p);
    return p;
  }

  /** Loads a tenant by id into the set (egress, admin): the record, or null when there is none. */
  loadTenant(tenantId: string): Promise<TenantRecord | null> {
    const held = this.o.set.peek(tenantId);
    if (held) return Promise.resolve(held);
    const running = this.inflightTenants.get(tenantId);
    if (running) return running;
    const p = this.fetchAndHold(tenantId).finally(() => this.inflightTenants.delete(tenantId));
    this.inflightTenants.set(tenantId, p);
    return p;
  }

  /** Compares the generation (unless forced), then the held tenants' versions; reloads what changed. */
  resync(force: boolean): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = this.doResync(force).finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async doLookupKey(keyHash: string): Promise<LookupResult> {
    const { client, keys, log } = this.o;
    try {
      // A first sight is rare per key: worth two more tries before answering "cannot check"
      // (a command that timed out on a busy node, a connection still being set up).
      const tenantId = await retry(() => client.get(keys.apiKey(keyHash)));
      if (tenantId !== null) {
        const record = await this.loadTenant(tenantId);
        // The index may lag a key rotation: only the record's own list counts.
        if (record?.apiKeyHashes.includes(keyHash)) {
          this.lookups.inc({ result: 'found' });
          return 'found';
        }
      }
      this.remember(keyHash);
      this.lookups.inc({ result: 'unknown' });
      return 'unknown';
    } catch (error) {
      log.warn({ err: error }, 'API key lookup in redis failed');
      this.lookups.inc({ result: 'unavailable' });
      return 'unavailable';
    }
  }

  private async fetchAndHold(tenantId: string): Promise<TenantRecord | null> {
    const { client, keys, set } = this.o;
    // Subscribe first, then read: an update published in between is not missed.
    await this.subscribe(tenantId);
    const text = await retry(() => client.get(keys.policy(tenantId)));
    if (text === null) {
      this.unsubscribe(tenantId);
      return null;
    }
    const record = this.decode(tenantId, text);
    if (!record) return null;
    set.upsert(record);
    this.publishMetrics();
    this.scheduleSnapshot();
    return set.peek(tenantId) ?? null;
  }

  private async doResync(force: boolean): Promise<void> {
    const { client, keys, set, metrics, now, log } = this.o;
    if (client.status !== 'ready') return;
    try {
      const generation = await client.get(keys.generation);
      if (!force && generation === this.generation && this.pending.size === 0) {
        metrics.synced(now());
        return;
      }
      // What may have changed: the change feed since the generation this replica last saw (one
      // ZRANGEBYSCORE, whatever the number of held tenants), or every held tenant when the feed
      // cannot tell (forced, first time, Redis restarted, or more changes than the feed keeps).
      const last = this.generation === null ? null : Number(this.generation);
      const current = generation === null ? null : Number(generation);
      let candidates: string[];
      if (force || last === null || current === null || current < last || current - last >= CHANGES_KEPT) {
        candidates = set.tenantIds();
      } else if (current === last) {
        candidates = [];
      } else {
        const changed = await client.zrangebyscore(keys.changes, `(${last}`, current);
        candidates = changed.filter((t) => set.peek(t) !== undefined);
      }
      for (const t of this.pending) if (set.peek(t) && !candidates.includes(t)) candidates.push(t);
      this.pending.clear();
      let changed = 0;
      const missing: string[] = [];
      for (let i = 0; i < candidates.length; i += CHUNK) {
        const chunk = candidates.slice(i, i + CHUNK);
        // One GET per tenant (different slots); auto-pipelining batches them per node.
        const [versions, indexed] = await Promise.all([
          Promise.all(chunk.map((t) => client.get(keys.version(t)))),
          client.hmget(keys.policyIndex, ...chunk),
        ]);
        for (let j = 0; j < chunk.length; j++) {
          const tenantId = chunk[j]!;
          const version = versions[j];
          if (version === null || version === undefined) {
            missing.push(tenantId);
            continue;
          }
          // The operator writes the index before the record: a record still behind its index
          // entry is being written right now; look again next time.
          if (indexed[j] !== null && indexed[j] !== version) this.pending.add(tenantId);
          if (set.peek(tenantId)?.policy.version !== version || force) {
            if (await this.reload(tenantId)) changed++;
          }
        }
      }
      if (generation === null && missing.length === candidates.length && candidates.length > 0) {
        // Redis answers but holds no policy data at all (restarted without persistence, or
        // flushed): that is not "every tenant was deleted". Keep serving until the operator
        // writes again; a deletion is pushed on the tenant's channel and applies at once.
        log.warn(
          { tenants: candidates.length },
          'redis has no policy data; keeping the held tenants until the operator writes',
        );
      } else {
        for (const t of missing) {
          set.remove(t);
          this.unsubscribe(t);
        }
        changed += missing.length;
      }
      this.generation = generation;
      metrics.configReloads.inc({ source: 'redis', result: 'ok' });
      this.publishMetrics();
      metrics.synced(now());
      if (changed > 0 || force) {
        log.info(
          { tenants: set.size(), checked: candidates.length, changed, generation },
          'held tenants synced from redis',
        );
        this.scheduleSnapshot();
      }
    } catch (error) {
      metrics.configReloads.inc({ source: 'redis', result: 'error' });
      log.warn({ err: error }, 'policy resync from redis failed; serving the held tenants');
    }
  }

  /** Re-reads a held tenant's record; true when it changed. */
  private async reload(tenantId: string): Promise<boolean> {
    const { client, keys, set } = this.o;
    const text = await client.get(keys.policy(tenantId));
    const before = set.peek(tenantId)?.policy.version;
    if (text === null) {
      set.remove(tenantId);
      this.unsubscribe(tenantId);
      return before !== undefined;
    }
    const record = this.decode(tenantId, text);
    if (!record) return false;
    set.upsert(record);
    return before !== record.policy.version;
  }

  private async onUpdate(channel: string, message: string): Promise<void> {
    const { set, log } = this.o;
    let update: PolicyUpdate;
    try {
      update = JSON.parse(message) as PolicyUpdate;
      if (typeof update.tenantId !== 'string') throw new TypeError('no tenantId');
      if (this.o.keys.updates(update.tenantId) !== channel)
        throw new TypeError('tenant does not match the channel');
    } catch (error) {
      log.warn({ err: error, channel }, 'policy update message not understood; resyncing');
      return this.resync(true);
    }
    if (!set.peek(update.tenantId)) return; // evicted meanwhile: nothing held to update
    try {
      if (update.deleted) {
        set.remove(update.tenantId);
        this.unsubscribe(update.tenantId);
      } else {
        await this.reload(update.tenantId);
      }
      this.publishMetrics();
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

  private async subscribe(tenantId: string): Promise<void> {
    if (this.subscribed.has(tenantId)) return;
    this.subscribed.add(tenantId);
    try {
      await this.o.subscriber.ssubscribe(this.o.keys.updates(tenantId));
    } catch (error) {
      // The periodic resync still catches the change, only later.
      this.o.log.warn({ err: error, tenant: tenantId }, 'ssubscribe failed; relying on resync');
    }
  }

  private unsubscribe(tenantId: string): void {
    if (!this.subscribed.delete(tenantId)) return;
    this.o.subscriber.sunsubscribe(this.o.keys.updates(tenantId)).catch(() => {});
  }

  private decode(tenantId: string, text: string): TenantRecord | null {
    try {
      const record = decodeRecord(text);
      if (record.policy.tenantId !== tenantId) throw new TypeError('record is for another tenant');
      return record;
    } catch (error) {
      this.o.log.error(
        { tenant: tenantId, err: error },
        'tenant record in redis is not valid; keeping the old one',
      );
      return null;
    }
  }

  private remember(keyHash: string): void {
    const cap = this.o.negativeCapacity ?? 10_000;
    this.negative.delete(keyHash);
    this.negative.set(keyHash, this.o.now() + (this.o.negativeTtlMs ?? 5_000));
    while (this.negative.size > cap) this.negative.delete(this.negative.keys().next().value as string);
  }

  private rate(): number {
    return this.o.lookupsPerSec ?? 200;
  }

  private take(now: number): boolean {
    const rate = this.rate();
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) * rate) / 1_000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private publishMetrics(): void {
    const { set, metrics, now } = this.o;
    metrics.policySet(
      set.all().map((r) => [r.policy.tenantId, r.policy.version]),
      now(),
    );
  }

  private scheduleSnapshot(): void {
    if (!this.o.stateDir || this.snapshotTimer || this.closed) return;
    // Coalesce bursts of loads and updates into one write a second.
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      this.saveSnapshot();
    }, 1_000);
    this.snapshotTimer.unref();
  }

  /** Writes the held tenants atomically (temp file + rename): a crash never leaves half a file. */
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

  private readSnapshot(): Snapshot | null {
    const { stateDir } = this.o;
    if (!stateDir) return null;
    try {
      const snapshot = JSON.parse(readFileSync(join(stateDir, SNAPSHOT), 'utf8')) as Snapshot;
      return { ...snapshot, records: snapshot.records.map((r) => decodeRecord(JSON.stringify(r))) };
    } catch {
      return null;
    }
  }

  private useSnapshot(snapshot: Snapshot | null): void {
    const { stateDir, set, log, metrics } = this.o;
    if (!stateDir) {
      log.warn('redis unreachable and no --state-dir: not ready until redis answers');
      return;
    }
    if (!snapshot) {
      metrics.configReloads.inc({ source: 'snapshot', result: 'error' });
      log.warn({ stateDir }, 'redis unreachable and no usable snapshot: not ready until redis answers');
      return;
    }
    set.replace(snapshot.records.slice(-set.limit()));
    for (const r of snapshot.records) void this.subscribe(r.policy.tenantId);
    this.generation = null; // force a compare once redis answers
    metrics.configReloads.inc({ source: 'snapshot', result: 'ok' });
    metrics.policySet(
      set.all().map((r) => [r.policy.tenantId, r.policy.version]),
      Date.parse(snapshot.savedAt),
    );
    log.warn(
      { tenants: set.size(), savedAt: snapshot.savedAt },
      'redis unreachable: serving the tenants of the last-known-good snapshot',
    );
  }
}

async function retry<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 20 * i));
    }
  }
}

function waitReady(client: RedisClient, ms: number): Promise<boolean> {
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
