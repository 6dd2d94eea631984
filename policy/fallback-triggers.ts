/**
 * What moves a request to the next model of its chain. A module of its own, free of TypeBox, so
 * the sidecar (policy/effective.ts) does not load the schema library to know four words: the
 * sidecar in Redis mode never validates a policy (the operator did), docs/adr/0028-lean-data-plane.md.
 */
export const FALLBACK_TRIGGERS = ['connection-error', 'timeout', 'rate-limited', 'server-error'] as const;
export type FallbackTrigger = (typeof FALLBACK_TRIGGERS)[number];
