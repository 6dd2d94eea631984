/**
 * The in-memory policy set both sources (file, Redis) fill and the request path reads: two
 * maps, by tenant id and by API-key hash. Implements the lead's PolicyView.
 *
 * In Redis mode it is a bounded cache of the tenants this replica serves (ADR 0025): a read
 * marks the tenant as recently used, and inserting past `capacity` evicts the least recently
 * used one (the source then unsubscribes from its updates and forgets it). File mode is
 * unbounded: the file is the whole installation.
 */
import type { TenantRecord } from '../../policy/wire.ts';
import type { PolicyView } from './policy-view.ts';

export type PolicyListener = (tenantId: string, record: TenantRecord | undefined) => void;

export interface PolicySetOptions {
  /** Most tenants held at once; Infinity (file mode) holds all. */
  capacity?: number;
}

export class PolicySet implements PolicyView {
  // Map iteration order is insertion order: re-inserting on a read keeps the oldest-used first.
  private tenants = new Map<string, TenantRecord>();
  private keys = new Map<string, TenantRecord>();
  private loaded = false;
  private readonly capacity: number;
  private readonly listeners: PolicyListener[] = [];
  private readonly evictListeners: ((tenantId: string) => void)[] = [];

  constructor(options: PolicySetOptions = {}) {
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY;
    if (!(this.capacity >= 1)) throw new RangeError('policy set capacity must be at least 1');
  }

  byTenant(tenantId: string): TenantRecord | undefined {
    const record = this.tenants.get(tenantId);
    if (record) this.touch(tenantId, record);
    return record;
  }

  byKeyHash(keyHash: string): TenantRecord | undefined {
    const record = this.keys.get(keyHash);
    if (record) this.touch(record.policy.tenantId, record);
    return record;
  }

  /** The record without marking it used (resync, metrics, admin). */
  peek(tenantId: string): TenantRecord | undefined {
    return this.tenants.get(tenantId);
  }

  /** The record of a key hash without marking it used. */
  peekKey(keyHash: string): TenantRecord | undefined {
    return this.keys.get(keyHash);
  }

  ready(): boolean {
    return this.loaded;
  }

  /** Ready with nothing loaded yet: Redis answered, tenants load on first sight. */
  markReady(): void {
    this.loaded = true;
  }

  size(): number {
    return this.tenants.size;
  }

  limit(): number {
    return this.capacity;
  }

  all(): TenantRecord[] {
    return [...this.tenants.values()];
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /** Called with (tenantId, record or undefined when removed) whenever a tenant's version changes. */
  onChange(listener: PolicyListener): void {
    this.listeners.push(listener);
  }

  /** Called when a tenant is dropped to stay within capacity (not a policy change). */
  onEvict(listener: (tenantId: string) => void): void {
    this.evictListeners.push(listener);
  }

  /** Replaces the whole set (a full load); notifies only tenants whose version changed. */
  replace(records: Iterable<TenantRecord>): void {
    const before = this.tenants;
    const tenants = new Map<string, TenantRecord>();
    for (const r of records) tenants.set(r.policy.tenantId, r);
    this.tenants = tenants;
    const keys = new Map<string, TenantRecord>();
    for (const r of tenants.values()) for (const h of r.apiKeyHashes) keys.set(h, r);
    this.keys = keys;
    this.loaded = true;
    for (const id of before.keys()) if (!tenants.has(id)) this.emit(id, undefined);
    for (const [id, r] of tenants) if (before.get(id)?.policy.version !== r.policy.version) this.emit(id, r);
    this.evictOverflow();
  }

  upsert(record: TenantRecord): void {
    const id = record.policy.tenantId;
    const old = this.tenants.get(id);
    if (old) {
      this.unindex(old);
      this.tenants.delete(id);
    }
    this.tenants.set(id, record);
    for (const h of record.apiKeyHashes) this.keys.set(h, record);
    if (old?.policy.version !== record.policy.version) this.emit(id, record);
    this.evictOverflow();
  }

  remove(tenantId: string): void {
    const old = this.tenants.get(tenantId);
    if (!old) return;
    this.tenants.delete(tenantId);
    this.unindex(old);
    this.emit(tenantId, undefined);
  }

  private touch(tenantId: string, record: TenantRecord): void {
    if (this.capacity === Number.POSITIVE_INFINITY) return;
    this.tenants.delete(tenantId);
    this.tenants.set(tenantId, record);
  }

  private unindex(record: TenantRecord): void {
    for (const h of record.apiKeyHashes) if (this.keys.get(h) === record) this.keys.delete(h);
  }

  private evictOverflow(): void {
    while (this.tenants.size > this.capacity) {
      const oldest = this.tenants.keys().next().value as string;
      const record = this.tenants.get(oldest)!;
      this.tenants.delete(oldest);
      this.unindex(record);
      for (const l of this.evictListeners) l(oldest);
    }
  }

  private emit(tenantId: string, record: TenantRecord | undefined): void {
    for (const l of this.listeners) l(tenantId, record);
  }
}
