/**
 * A thin REST client over @kubernetes/client-node's KubeConfig: client-node loads the
 * kubeconfig and computes credentials (certs, tokens, exec plugins, impersonation); requests go
 * through ONE undici Agent that we own. (client-node 2.0.1 builds a new Agent — a new TLS
 * connection pool — for every request and every watch reconnect and never closes them; for an
 * operator issuing thousands of status patches that is a leak.)
 */
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, fetch } from 'undici';

export class KubeApiError extends Error {
  readonly statusCode: number;
  readonly reason: string;
  readonly body: unknown;

  constructor(statusCode: number, reason: string, message: string, body: unknown) {
    super(`Kubernetes API ${statusCode} ${reason}: ${message}`);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = reason;
    this.body = body;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.statusCode === 404;
}
export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.statusCode === 409;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export type WatchEvent = {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
};

export class KubeClient {
  readonly kc: KubeConfig;
  readonly server: string;
  readonly agent: Agent;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
    const tls: Record<string, unknown> = {};
    const opts: {
      ca?: Buffer;
      cert?: Buffer;
      key?: Buffer;
      rejectUnauthorized?: boolean;
      servername?: string;
    } = {};
    // Synchronous parts of applyToHTTPSOptions: CA, client cert and key from the kubeconfig.
    const user = kc.getCurrentUser();
    const read = (file?: string, data?: string) =>
      data ? Buffer.from(data, 'base64') : file ? readFileSync(file) : undefined;
    opts.ca = read(cluster.caFile, cluster.caData);
    opts.cert = read(user?.certFile, user?.certData);
    opts.key = read(user?.keyFile, user?.keyData);
    if (cluster.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster.tlsServerName) opts.servername = cluster.tlsServerName;
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) tls[k] = v;
    this.agent = new Agent({ connect: tls, keepAliveTimeout: 30_000, connections: 16 });
  }

  /** Auth headers (bearer token, exec plugin, Impersonate-User) fresh for each request. */
  private async headers(): Promise<Record<string, string>> {
    const opts: { headers?: Record<string, unknown> } = {};
    await this.kc.applyToHTTPSOptions(opts as never);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) out[k] = String(v);
    return out;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const headers = await this.headers();
    headers['accept'] = 'application/json';
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(this.url(path, options.query), {
      method,
      headers,
      body,
      dispatcher: this.agent,
      signal: options.signal ?? AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const status = parsed as { reason?: string; message?: string } | undefined;
      throw new KubeApiError(
        response.status,
        status?.reason ?? response.statusText,
        status?.message ?? text,
        parsed,
      );
    }
    return parsed as T;
  }

  /**
   * One watch request: calls onEvent per line until the server ends it, the signal aborts or
   * nothing arrives for idleMs (a silently dropped connection). Resolves on a clean end,
   * rejects with the cause otherwise.
   */
  async watch(
    path: string,
    query: RequestOptions['query'],
    onEvent: (event: WatchEvent) => void,
    options: { signal: AbortSignal; idleMs: number },
  ): Promise<void> {
    const headers = await this.headers();
    const controller = new AbortController();
    const abort = () => controller.abort(options.signal.reason);
    options.signal.addEventListener('abort', abort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    let idleFired = false;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        controller.abort(new Error('watch idle'));
      }, options.idleMs);
    };
    try {
      arm();
      const response = await fetch(this.url(path, { ...query, watch: 'true' }), {
        headers: { ...headers, accept: 'application/json' },
        dispatcher: this.agent,
        signal: controller.signal,
      });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        let reason = response.statusText;
        try {
          reason = (JSON.parse(text) as { reason?: string }).reason ?? reason;
        } catch {}
        throw new KubeApiError(response.status, reason, text, text);
      }
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body) {
        arm();
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent);
          nl = buffered.indexOf('\n');
        }
      }
    } catch (error) {
      if (options.signal.aborted) return;
      if (idleFired) throw new Error(`watch delivered nothing for ${options.idleMs} ms; reconnecting`);
      throw error;
    } finally {
      clearTimeout(idle);
      options.signal.removeEventListener('abort', abort);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
