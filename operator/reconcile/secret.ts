/** API keys from a Secret → their hashes. Pure; the keys never leave this function. */
import { hashApiKey } from '../../policy/wire.ts';
import type { SecretObject } from './types.ts';

export type KeyLookup =
  | { ok: true; hashes: string[] }
  | { ok: false; reason: 'SecretNotFound' | 'SecretKeyMissing' | 'SecretKeyEmpty'; message: string };

/**
 * Several keys may be listed in one data entry, one per line (key rotation: old and new are
 * both valid until the old line is removed). Hashes are sorted so that the record, and so the
 * "anything changed?" decision, does not depend on line order.
 */
export function apiKeyHashes(secret: SecretObject | null, name: string, key: string): KeyLookup {
  if (!secret) {
    return {
      ok: false,
      reason: 'SecretNotFound',
      message: `Secret "${name}" does not exist in this namespace; create it with the tenant's API key under "${key}" (every request gets 401 until then)`,
    };
  }
  const encoded = secret.data?.[key];
  if (encoded === undefined) {
    const present = Object.keys(secret.data ?? {}).join(', ') || 'none';
    return {
      ok: false,
      reason: 'SecretKeyMissing',
      message: `Secret "${name}" has no key "${key}" (keys present: ${present}); add it or set spec.apiKeySecretRef.key`,
    };
  }
  const lines = Buffer.from(encoded, 'base64')
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (lines.length === 0) {
    return {
      ok: false,
      reason: 'SecretKeyEmpty',
      message: `Secret "${name}" key "${key}" is empty; put one API key per line`,
    };
  }
  return { ok: true, hashes: [...new Set(lines.map(hashApiKey))].sort() };
}
