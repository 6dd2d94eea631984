/**
 * Builds the ioredis client for a Redis URL (policy/redis-url.ts): a plain client, a Cluster
 * client (slot map, MOVED/ASK redirections and failover handled by ioredis) or a Sentinel-backed
 * client (asks the sentinels for the current master and follows a failover). The sidecar and
 * the operator both build their clients here, so the three forms behave the same everywhere.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from '../../policy/redis-url.ts';
// Side effect: the socket inactivity timeout does not close a connection for this process's stalls.
import './redis-socket-timeout.ts';

/** What every caller uses: the command surface shared by Redis and Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Connection name shown by CLIENT LIST. */
  connectionName?: string;
  /** Fail commands at once while disconnected (the sidecar: its failure mode answers). */
  failFast?: boolean;
  /** Per-command timeout, ms: a command not answered in time fails (its effect may still happen). */
  commandTimeoutMs?: number;
  /**
   * Socket inactivity timeout, ms: a connection that owes replies and has received nothing for
   * this long is closed and reconnected (a paused Redis, a half-open link). Unlike a command
   * timeout it never turns a late answer into a failure.
   */
  socketTimeoutMs?: number;
  /** ioredis's maxRetriesPerRequest (null: retry forever). */
  maxRetriesPerRequest?: number | null;
  /** Cap on the reconnect backoff, ms. */
  retryCapMs?: number;
  /** A subscriber for shard channels (SSUBSCRIBE): on a cluster, one connection per master. */
  subscriber?: boolean;
  /** Batch concurrent commands per node into one write (on by default for clusters). */
  autoPipelining?: boolean;
  /** Connect only on connect() (a CLI that must report a failed connection itself). */
  lazyConnect?: boolean;
  /** Never reconnect: a dropped connection fails the commands (a short-lived CLI). */
  noReconnect?: boolean;
}

export function createRedisClient(url: string, options: RedisClientOptions = {}): RedisClient {
  return clientFor(parseRedisUrl(url), options);
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** The master nodes' clients (one Redis for a single node or a sentinel-managed master). */
export function masters(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

function clientFor(target: RedisTarget, o: RedisClientOptions): RedisClient {
  const cap = o.retryCapMs ?? 1_000;
  const retryStrategy = (attempt: number) => (o.noReconnect ? null : Math.min(50 * attempt, cap));
  const common: RedisOptions = {
    retryStrategy,
    ...(o.connectionName ? { connectionName: o.connectionName } : {}),
    ...(o.commandTimeoutMs ? { commandTimeout: o.commandTimeoutMs } : {}),
    ...(o.socketTimeoutMs ? { socketTimeout: o.socketTimeoutMs } : {}),
    ...(o.maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest: o.maxRetriesPerRequest } : {}),
    ...(o.failFast ? { enableOfflineQueue: false } : {}),
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
    ...(o.lazyConnect ? { lazyConnect: true } : {}),
  };
  if (target.kind === 'single') return new Redis(target.url, common);
  if (target.kind === 'sentinel') {
    return new Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.name,
      db: target.db,
      sentinelRetryStrategy: retryStrategy,
      // Follow a failover at once (+switch-master from the sentinels), and a command that hit a
      // demoted master (READONLY) reconnects and is sent again to the new one.
      failoverDetector: true,
      reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
      ...(target.sentinelUsername ? { sentinelUsername: target.sentinelUsername } : {}),
      ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
      ...(target.tls ? { enableTLSForSentinelMode: true } : {}),
    });
  }
  const { retryStrategy: _, enableOfflineQueue: __, ...nodeOptions } = common;
  const cluster: ClusterOptions = {
    redisOptions: nodeOptions,
    clusterRetryStrategy: (attempt: number) => (o.noReconnect ? null : Math.min(100 * attempt, cap)),
    ...(o.lazyConnect ? { lazyConnect: true } : {}),
    // During a failover the slot's master is gone until a replica is promoted (cluster-node-timeout
    // plus the election): retry a redirected or failed command briefly, then let the caller's
    // failure mode answer.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 50,
    maxRedirections: 16,
    slotsRefreshTimeout: 2_000,
    enableAutoPipelining: o.autoPipelining ?? !o.subscriber,
    ...(o.failFast ? { enableOfflineQueue: false } : {}),
    ...(o.subscriber ? { shardedSubscribers: true } : {}),
  };
  return new Cluster(target.nodes, cluster);
}
