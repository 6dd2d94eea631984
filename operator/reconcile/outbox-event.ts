/**
 * Durable records bound for Postgres. They are queued in Redis in the same MULTI as the record
 * write (so the Redis state and its audit trail cannot disagree), and drained to Postgres by
 * the leader; every event carries a deterministic id, so a drain repeated after a crash inserts
 * nothing twice.
 */
export type AuditAction =
  | 'created'
  | 'updated'
  | 'override granted'
  | 'override expired'
  | 'override revoked'
  | 'suspended'
  | 'resumed'
  | 'deleted';

export interface AuditEvent {
  type: 'audit';
  id: string;
  tenantId: string;
  source: string;
  action: AuditAction;
  actor: string;
  reason: string;
  generation: number;
  version: string;
  at: string;
}

export interface RevisionEvent {
  type: 'revision';
  id: string;
  tenantId: string;
  source: string;
  uid: string;
  generation: number;
  version: string;
  spec: unknown;
  effective: unknown;
  at: string;
}

export interface TenantEvent {
  type: 'tenant';
  tenantId: string;
  source: string;
  uid: string;
  generation: number;
  version: string;
  tier: string;
  suspended: boolean;
  spec: unknown;
  effective: unknown;
  at: string;
}

export interface TenantDeletedEvent {
  type: 'tenant-deleted';
  tenantId: string;
  uid: string;
  at: string;
}

export type OutboxEvent = AuditEvent | RevisionEvent | TenantEvent | TenantDeletedEvent;
