/**
 * Redis mode's first-sight hook (ADR 0025): before tenant authentication reads the in-memory
 * PolicySet, a key this replica does not hold is looked up in Redis once (RedisSource.lookupKey).
 * Registered ahead of the tenant-auth plugin, so authentication itself stays a map read.
 *
 *   held or found        -> nothing to do; tenant auth finds it
 *   unknown              -> nothing to do; tenant auth answers 401 SLUICE_TENANT_UNKNOWN
 *   unavailable/throttled-> 503 SLUICE_NOT_READY + Retry-After: the key could not be checked now,
 *                           which is not the same as "no such key" (a client must not drop a valid
 *                           key because Redis blinked or a random-key flood is being held back)
 *
 * The egress variant loads the tenant named by x-sluice-tenant (set by this pod's ingress, which
 * normally loaded it a moment earlier; this covers an eviction in between).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SLUICE_HEADERS } from '../../policy/wire.ts';
import { sendError } from '../ingress/context.ts';
import { apiKeyOf, keyHash } from '../ingress/tenant-auth.ts';
import type { PolicySet } from './policy-set.ts';
import type { RedisSource } from './redis-source.ts';

export interface LazyLoadOptions {
  policies: PolicySet;
  source: RedisSource;
}

const WHY = {
  unavailable: 'this API key is not held by this replica and Redis cannot be asked right now',
  throttled: 'too many unseen API keys at once on this replica; retry in a second',
} as const;

async function lazyLoad(app: FastifyInstance, options: LazyLoadOptions): Promise<void> {
  const { policies, source } = options;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!policies.ready()) return;
    const key = apiKeyOf(request.headers);
    if (key === undefined) return;
    const hash = keyHash(key);
    if (policies.peekKey(hash)) return;
    const result = await source.lookupKey(hash);
    if (result === 'unavailable' || result === 'throttled')
      return sendError(reply, 'SLUICE_NOT_READY', WHY[result], { 'retry-after': '1' });
  });
}

export const lazyLoadPlugin = fp(lazyLoad, { name: 'sluice-lazy-load', fastify: '5.x' });

/** The egress side: makes the tenant of x-sluice-tenant held before the routes read it. */
export function addEgressLazyLoad(app: FastifyInstance, options: LazyLoadOptions): void {
  const { policies, source } = options;
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers[SLUICE_HEADERS.tenant];
    const id = Array.isArray(header) ? header[0] : header;
    if (!id || policies.peek(id) || !/^[a-z0-9-]{1,63}$/.test(id)) return;
    await source.loadTenant(id).catch(() => null);
  });
}
