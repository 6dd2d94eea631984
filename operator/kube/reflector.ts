/**
 * List + watch that survives what real clusters do:
 *  - 410 Gone (on the watch request or as an ERROR event) → relist from scratch;
 *  - the connection drops, the API server restarts, a watch returns 5xx → reconnect from the
 *    last resourceVersion after capped exponential backoff with full jitter;
 *  - a connection that goes silent (no event, no bookmark for idleMs) → treated as dropped;
 *  - every resyncMs a full relist, which also re-delivers every object (heals missed events).
 *
 * Why not client-node's ListWatch (2.0.1, read in node_modules/.../dist/cache.js): it relists
 * on 410, but on any other error (connection refused during an API server restart, a failed
 * list) it calls the error callbacks and stops for good; it has no periodic relist, does not
 * ask for bookmarks, and creates a new undici Agent per reconnect. The loop below keeps its
 * good parts (410 → relist, delete detection by diffing the relist) and adds the rest.
 */
import { type BackoffOptions, backoffDelay } from './backoff.ts';
import { KubeApiError, type KubeClient, type WatchEvent } from './client.ts';

export interface KubeObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

export interface ReflectorOptions<T extends KubeObject> {
  /** Collection path, e.g. /apis/sluice.dev/v1alpha1/tenantpolicies. */
  path: string;
  fieldSelector?: string;
  /** Only objects with these labels (an operator shard, docs/scale.md). */
  labelSelector?: string;
  idleMs: number;
  timeoutSeconds: number;
  resyncMs: number;
  backoff: BackoffOptions;
  random?: () => number;
  /** Shrinks what is cached (e.g. drops managedFields). */
  transform?: (obj: T) => T;
  /**
   * How a transformed object is held in the cache, and read back by `get`: e.g. as its JSON
   * text, less heap than the parsed tree (operator/kube/trim.ts).
   */
  codec?: CacheCodec<T>;
  onUpsert: (obj: T) => void;
  onDelete: (obj: T) => void;
  /** Each successful list (first sync and every relist). */
  onSynced?: () => void;
  onError?: (error: unknown, retryInMs: number) => void;
}

export interface CacheCodec<T> {
  encode(obj: T): unknown;
  decode(held: unknown): T;
}

export function objectKey(obj: { metadata: { name: string; namespace?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

class Gone extends Error {}

export class Reflector<T extends KubeObject> {
  /** Held as the codec encodes it: read through get() and keys(). */
  private readonly cache = new Map<string, unknown>();
  private readonly client: KubeClient;
  private readonly options: ReflectorOptions<T>;
  private readonly stopController = new AbortController();
  private resourceVersion = '';
  private lastListAt = 0;
  private loop: Promise<void> | null = null;
  private syncedOnce = false;
  private syncWaiters: (() => void)[] = [];
  /** Lists done so far (tests and metrics read it). */
  lists = 0;

  constructor(client: KubeClient, options: ReflectorOptions<T>) {
    this.client = client;
    this.options = options;
  }

  /** The cached object under "namespace/name" (a fresh copy when a codec is set). */
  get(key: string): T | undefined {
    const held = this.cache.get(key);
    if (held === undefined) return undefined;
    return this.decode(held);
  }

  keys(): IterableIterator<string> {
    return this.cache.keys();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves after the first successful list. */
  synced(): Promise<void> {
    if (this.syncedOnce) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const stop = this.stopController.signal;
    let attempt = 0;
    while (!stop.aborted) {
      try {
        if (!this.resourceVersion || Date.now() - this.lastListAt >= this.options.resyncMs) await this.list();
        attempt = 0;
        await this.watchOnce();
      } catch (error) {
        if (stop.aborted) break;
        if (error instanceof Gone || (error instanceof KubeApiError && error.statusCode === 410)) {
          this.resourceVersion = '';
          continue;
        }
        const delay = backoffDelay(attempt++, this.options.backoff, this.options.random ?? Math.random);
        this.options.onError?.(error, delay);
        await sleep(delay, stop);
      }
    }
  }

  private async list(): Promise<void> {
    // Held encoded while the pages arrive: a relist must not double the cache's memory.
    const seen = new Map<string, unknown>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.request<{
        items: T[];
        metadata: { resourceVersion?: string; continue?: string };
      }>('GET', this.options.path, {
        query: {
          limit: 500,
          continue: cont,
          fieldSelector: this.options.fieldSelector,
          labelSelector: this.options.labelSelector,
        },
      });
      for (const item of page.items)
        seen.set(objectKey(item), this.encode(this.options.transform ? this.options.transform(item) : item));
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion ?? '';
    } while (cont);
    for (const [key, held] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.options.onDelete(this.decode(held));
      }
    }
    // A relist re-delivers everything: that is the resync which heals a missed event.
    for (const [key, held] of seen) {
      this.cache.set(key, held);
      this.options.onUpsert(this.decode(held));
    }
    this.resourceVersion = rv;
    this.lastListAt = Date.now();
    this.lists++;
    this.options.onSynced?.();
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private encode(obj: T): unknown {
    return this.options.codec ? this.options.codec.encode(obj) : obj;
  }

  private decode(held: unknown): T {
    return this.options.codec ? this.options.codec.decode(held) : (held as T);
  }

  private async watchOnce(): Promise<void> {
    const session = new AbortController();
    const stop = this.stopController.signal;
    const onStop = () => session.abort();
    stop.addEventListener('abort', onStop, { once: true });
    // End the watch when the next relist is due, so the loop relists.
    const untilResync = Math.max(0, this.lastListAt + this.options.resyncMs - Date.now());
    const resync = setTimeout(() => session.abort(), untilResync);
    let gone = false;
    let failure: Error | null = null;
    try {
      await this.client.watch(
        this.options.path,
        {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: this.options.timeoutSeconds,
          fieldSelector: this.options.fieldSelector,
          labelSelector: this.options.labelSelector,
        },
        (event) => {
          if (session.signal.aborted) return;
          try {
            this.handle(event);
          } catch (error) {
            if (error instanceof Gone) gone = true;
            else failure = error as Error;
            session.abort();
          }
        },
        { signal: session.signal, idleMs: this.options.idleMs },
      );
    } finally {
      clearTimeout(resync);
      stop.removeEventListener('abort', onStop);
    }
    if (gone) throw new Gone('resource version too old');
    if (failure) throw failure;
  }

  private handle(event: WatchEvent): void {
    const obj = event.object as T;
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; message?: string };
      if (status.code === 410) throw new Gone(status.message ?? 'gone');
      throw new KubeApiError(status.code ?? 500, 'WatchError', status.message ?? 'watch error event', status);
    }
    const rv = obj.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const item = this.options.transform ? this.options.transform(obj) : obj;
    const key = objectKey(item);
    if (event.type === 'DELETED') {
      this.cache.delete(key);
      this.options.onDelete(item);
    } else {
      this.cache.set(key, this.encode(item));
      this.options.onUpsert(item);
    }
    if (rv) this.resourceVersion = rv;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
