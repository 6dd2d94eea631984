/**
 * The in-memory policy set both sources (file, Redis) fill and the request path reads: two
 * maps, by tenant id and by API-key hash. Implements the lead's PolicyView.
 */
import type { TenantRecord } from '../../policy/wire.ts';
import type { PolicyView } from './policy-view.ts';

export type PolicyListener = (tenantId: string, record: TenantRecord | undefined) => void;

export class PolicySet implements PolicyView {
  private tenants = new Map<string, TenantRecord>();
  private keys = new Map<string, TenantRecord>();
  private loaded = false;
  private readonly listeners: PolicyListener[] = [];

  byTenant(tenantId: string): TenantRecord | undefined {
    return this.tenants.get(tenantId);
  }

  byKeyHash(keyHash: string): TenantRecord | undefined {
    return this.keys.get(keyHash);
  }

  ready(): boolean {
    return this.loaded;
  }

  size(): number {
    return this.tenants.size;
  }

  all(): TenantRecord[] {
    return [...this.tenants.values()];
  }

  /** Called with (tenantId, record or undefined when removed) whenever a tenant's version changes. */
  onChange(listener: PolicyListener): void {
    this.listeners.push(listener);
  }

  /** Replaces the whole set (a full load); notifies only tenants whose version changed. */
  replace(records: Iterable<TenantRecord>): void {
    const before = this.tenants;
    const tenants = new Map<string, TenantRecord>();
    for (const r of records) tenants.set(r.policy.tenantId, r);
    this.tenants = tenants;
    this.rebuildKeys();
    this.loaded = true;
    for (const id of before.keys()) if (!tenants.has(id)) this.emit(id, undefined);
    for (const [id, r] of tenants) if (before.get(id)?.policy.version !== r.policy.version) this.emit(id, r);
  }

  upsert(record: TenantRecord): void {
    const old = this.tenants.get(record.policy.tenantId);
    this.tenants.set(record.policy.tenantId, record);
    this.rebuildKeys();
    if (old?.policy.version !== record.policy.version) this.emit(record.policy.tenantId, record);
  }

  remove(tenantId: string): void {
    if (!this.tenants.delete(tenantId)) return;
    this.rebuildKeys();
    this.emit(tenantId, undefined);
  }

  private rebuildKeys(): void {
    // Rebuilt whole (O(tenants)) on each change: changes are rare, reads are per request.
    const keys = new Map<string, TenantRecord>();
    for (const r of this.tenants.values()) for (const h of r.apiKeyHashes) keys.set(h, r);
    this.keys = keys;
  }

  private emit(tenantId: string, record: TenantRecord | undefined): void {
    for (const l of this.listeners) l(tenantId, record);
  }
}
