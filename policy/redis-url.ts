/**
 * The Redis URL forms the sidecar and the operator accept, parsed into what a client needs.
 * Pure; sidecar/config/redis-client.ts builds the ioredis client from the result.
 *
 *   redis://[user:pass@]host[:port][/db]                  one node (rediss:// for TLS)
 *   redis+cluster://[user:pass@]h1:p1,h2:p2[,...]         Redis Cluster seed nodes (rediss+cluster://)
 *   redis+sentinel://[user:pass@]h1:p1,h2:p2/name[/db]    Sentinel set and master name (rediss+sentinel://)
 *
 * user:pass authenticate against the data nodes; a sentinel with its own password takes
 * `?sentinelPassword=…` (and `sentinelUsername`). Hosts may be names, IPv4 or [IPv6]; the port
 * defaults to 6379 (26379 for sentinels). See docs/adr/0024-redis-cluster-layout.md.
 */

export interface RedisNode {
  host: string;
  port: number;
}

interface Auth {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTarget =
  | ({ kind: 'single'; url: string } & Auth)
  | ({ kind: 'cluster'; nodes: RedisNode[] } & Auth)
  | ({
      kind: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      db: number;
      sentinelUsername?: string;
      sentinelPassword?: string;
    } & Auth);

export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

const SCHEME = /^(rediss?)(\+cluster|\+sentinel)?:\/\/(.*)$/i;

/** Parses one of the forms above; throws RedisUrlError saying what is wrong and the right form. */
export function parseRedisUrl(url: string): RedisTarget {
  const m = SCHEME.exec(url.trim());
  if (!m)
    throw new RedisUrlError(
      `not a Redis URL: ${JSON.stringify(redact(url))}; use redis://host:port, redis+cluster://h1:p1,h2:p2 or redis+sentinel://h1:p1,h2:p2/mymaster`,
    );
  const tls = m[1]!.toLowerCase() === 'rediss';
  const variant = (m[2] ?? '').toLowerCase();
  let rest = m[3]!;
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const at = rest.lastIndexOf('@');
  const auth: Auth = { tls };
  if (at >= 0) {
    const info = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = info.indexOf(':');
    const user = decode(colon >= 0 ? info.slice(0, colon) : '', 'user name');
    const pass = decode(colon >= 0 ? info.slice(colon + 1) : info, 'password');
    if (user) auth.username = user;
    if (pass) auth.password = pass;
  }
  const slash = rest.indexOf('/');
  const hostList = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash + 1) : '';
  const params = new URLSearchParams(query);

  if (variant === '') {
    const nodes = parseHosts(hostList, 6379);
    if (nodes.length !== 1)
      throw new RedisUrlError(
        `redis:// takes one host; for several use redis+cluster:// or redis+sentinel://`,
      );
    if (path !== '') parseDb(path);
    return { kind: 'single', url: url.trim(), ...auth };
  }
  if (variant === '+cluster') {
    if (path !== '' && path !== '0')
      throw new RedisUrlError('redis+cluster:// has no database number (Redis Cluster only has db 0)');
    return { kind: 'cluster', nodes: parseHosts(hostList, 6379), ...auth };
  }
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.length > 2)
    throw new RedisUrlError(
      'redis+sentinel:// needs the master name: redis+sentinel://h1:26379,h2:26379/mymaster',
    );
  const name = decode(parts[0]!, 'master name');
  const target: RedisTarget = {
    kind: 'sentinel',
    sentinels: parseHosts(hostList, 26379),
    name,
    db: parts[1] === undefined ? 0 : parseDb(parts[1]),
    ...auth,
  };
  const su = params.get('sentinelUsername');
  const sp = params.get('sentinelPassword');
  if (su) target.sentinelUsername = su;
  if (sp) target.sentinelPassword = sp;
  return target;
}

/** The URL with any password replaced by "***", for logs and error messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^@/?]*?:)[^@/?]*@/, '$1***@').replace(/(sentinelPassword=)[^&]*/, '$1***');
}

function parseHosts(list: string, defaultPort: number): RedisNode[] {
  if (list.trim() === '') throw new RedisUrlError('no host in the Redis URL');
  return list.split(',').map((entry) => {
    const e = entry.trim();
    let host: string;
    let portText: string | undefined;
    if (e.startsWith('[')) {
      const close = e.indexOf(']');
      if (close < 0) throw new RedisUrlError(`unclosed "[" in host ${JSON.stringify(e)}`);
      host = e.slice(1, close);
      const after = e.slice(close + 1);
      if (after !== '' && !after.startsWith(':'))
        throw new RedisUrlError(`bad host ${JSON.stringify(e)}: write [ipv6]:port`);
      portText = after === '' ? undefined : after.slice(1);
    } else {
      const parts = e.split(':');
      if (parts.length > 2)
        throw new RedisUrlError(`bad host ${JSON.stringify(e)}: an IPv6 address goes in [ ]`);
      host = parts[0]!;
      portText = parts[1];
    }
    if (host === '' || /[\s/@?#]/.test(host)) throw new RedisUrlError(`bad host ${JSON.stringify(e)}`);
    let port = defaultPort;
    if (portText !== undefined) {
      if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535)
        throw new RedisUrlError(`bad port in ${JSON.stringify(e)}: 1-65535`);
      port = Number(portText);
    }
    return { host, port };
  });
}

function parseDb(text: string): number {
  if (!/^\d{1,2}$/.test(text)) throw new RedisUrlError(`bad database number ${JSON.stringify(text)}: 0-99`);
  return Number(text);
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError(`bad percent-encoding in the ${what} of the Redis URL`);
  }
}
