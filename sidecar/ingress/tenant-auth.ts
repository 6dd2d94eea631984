/**
 * Tenant identity (docs/architecture.md, "The path of a request"): the API key from "Authorization: Bearer <key>" or
 * "x-api-key", hashed and looked up in the in-memory policy set (a map read). Unknown or
 * missing key → 401 SLUICE_TENANT_UNKNOWN; a suspended tenant → 403 SLUICE_TENANT_SUSPENDED at
 * once, before any counter is touched.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hashApiKey } from '../../policy/wire.ts';
import type { PolicyView } from '../config/policy-view.ts';
import type { SidecarMetrics } from '../metrics.ts';
import { sendError } from './context.ts';

export interface TenantAuthOptions {
  policies: PolicyView;
  metrics: SidecarMetrics;
  now: () => number;
}

/** The key a client sent, or undefined. */
export function apiKeyOf(headers: FastifyRequest['headers']): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
    const key = auth.slice(7).trim();
    if (key) return key;
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  return undefined;
}

let lastKey: string | undefined;
let lastHash = '';

/**
 * hashApiKey with a one-entry memo: in Redis mode the first-sight hook (config/lazy-load.ts) and
 * authentication hash the same key one after the other; the second is a string compare.
 */
export function keyHash(key: string): string {
  if (key !== lastKey) {
    lastHash = hashApiKey(key);
    lastKey = key;
  }
  return lastHash;
}

/**
 * Whether the request carries more than one credential: two Authorization headers (Node keeps
 * the first and drops the rest silently), or an Authorization and an x-api-key that differ.
 * Refused: a front proxy or the app may read the other one.
 */
export function ambiguousCredentials(rawHeaders: string[], headers: FastifyRequest['headers']): boolean {
  let authorizations = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') authorizations++;
  }
  if (authorizations > 1) return true;
  const auth = headers.authorization;
  const header = headers['x-api-key'];
  if (typeof auth !== 'string' || typeof header !== 'string') return false;
  return auth.slice(7).trim() !== header.trim();
}

async function tenantAuth(app: FastifyInstance, options: TenantAuthOptions): Promise<void> {
  const { policies, metrics, now } = options;
  app.decorateRequest('sluice', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!policies.ready()) return sendError(reply, 'SLUICE_NOT_READY', undefined, { 'retry-after': '1' });
    if (ambiguousCredentials(request.raw.rawHeaders, request.headers)) {
      metrics.reject('', '', 'SLUICE_TENANT_UNKNOWN');
      return sendError(reply, 'SLUICE_TENANT_UNKNOWN', 'Send one API key, in one header');
    }
    const key = apiKeyOf(request.headers);
    const tenant = key === undefined ? undefined : policies.byKeyHash(keyHash(key));
    if (!tenant) {
      metrics.reject('', '', 'SLUICE_TENANT_UNKNOWN');
      return sendError(reply, 'SLUICE_TENANT_UNKNOWN', key === undefined ? 'No API key was sent' : undefined);
    }
    const policy = tenant.policy;
    if (policy.suspended) {
      metrics.reject(policy.tenantId, policy.tier, 'SLUICE_TENANT_SUSPENDED');
      return sendError(reply, 'SLUICE_TENANT_SUSPENDED', `Tenant "${policy.tenantId}" is suspended`);
    }
    request.sluice = {
      tenant,
      responseHeaders: {},
      upstreamHeaders: null,
      release: null,
      forward: null,
      startedAt: now(),
    };
  });
}

export const tenantAuthPlugin = fp(tenantAuth, { name: 'sluice-tenant-auth', fastify: '5.x' });
