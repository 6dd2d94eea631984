-- Sluice operator schema, version 1. Postgres is the durable record: the current tenants, a
-- revision per effective change, the audit log, and daily usage rollups.

CREATE TABLE tenants (
  tenant_id   text PRIMARY KEY,
  source      text NOT NULL,          -- "namespace/name" of the TenantPolicy
  uid         text NOT NULL,
  generation  bigint NOT NULL,
  version     text NOT NULL,          -- effective version sidecars serve
  tier        text NOT NULL,
  suspended   boolean NOT NULL,
  spec        jsonb NOT NULL,
  effective   jsonb NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- One row per (object, generation, effective version): a spec change and an override expiry
-- are both revisions. The id is deterministic, so a re-drained outbox inserts nothing twice.
CREATE TABLE revisions (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL,
  source      text NOT NULL,
  uid         text NOT NULL,
  generation  bigint NOT NULL,
  version     text NOT NULL,
  spec        jsonb NOT NULL,
  effective   jsonb NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX revisions_tenant ON revisions (tenant_id, created_at);

CREATE TABLE audit_log (
  id          text PRIMARY KEY,
  seq         bigserial NOT NULL,
  tenant_id   text NOT NULL,
  source      text NOT NULL,
  action      text NOT NULL CHECK (action IN ('created', 'updated', 'override granted', 'override expired',
                                              'override revoked', 'suspended', 'resumed', 'deleted')),
  actor       text NOT NULL,
  reason      text NOT NULL,
  generation  bigint NOT NULL,
  version     text NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

-- Copied from the sidecars' cumulative per-day Redis counters with an absolute upsert.
CREATE TABLE usage_daily (
  day         date NOT NULL,
  tenant_id   text NOT NULL,
  provider    text NOT NULL,
  model       text NOT NULL,
  metric      text NOT NULL,
  value       bigint NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (day, tenant_id, provider, model, metric)
);
