/**
 * The wire to an external guard: one POST per question, JSON both ways.
 *
 *   POST <url>   {"text": "…", "tenant": "acme", "kind": "query"}
 *   200          {"verdict": "allow" | "reject"}      (or {"flagged": true | false}, the shape
 *                                                     several hosted guards answer with)
 *
 * Anything else — a non-2xx status, a body that is not that JSON, a reset connection, no answer
 * within the deadline — is a GuardFailure; guard.ts decides what a failure means (fail open or
 * closed). Thin on purpose: undici does the HTTP, keep-alive and the deadline.
 */

import { Agent, request } from 'undici';
import type { GuardVerdict } from './verdict-cache.ts';

export type GuardFailureKind = 'timeout' | 'connection' | 'status' | 'invalid';

export class GuardFailure extends Error {
  readonly kind: GuardFailureKind;
  readonly status: number | undefined;

  constructor(kind: GuardFailureKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'GuardFailure';
    this.kind = kind;
    this.status = options.status;
  }
}

export interface GuardQuestion {
  readonly text: string;
  readonly tenant: string;
}

/** Ask the guard once; resolves with its verdict or rejects with a GuardFailure. */
export type GuardTransport = (question: GuardQuestion, signal: AbortSignal) => Promise<GuardVerdict>;

/** Largest guard answer read, bytes: a verdict is a few dozen. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The verdict in a guard's JSON answer, or null when the answer has none. */
export function readVerdict(body: unknown): GuardVerdict | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  if (record['verdict'] === 'allow' || record['verdict'] === 'reject') return record['verdict'];
  if (typeof record['flagged'] === 'boolean') return record['flagged'] ? 'reject' : 'allow';
  return null;
}

/** An HTTP transport to `url` with its own keep-alive connection pool. */
export function httpTransport(url: string): { send: GuardTransport; close: () => Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });
  const send: GuardTransport = async (question, signal) => {
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ text: question.text, tenant: question.tenant, kind: 'query' }),
        signal,
        dispatcher: agent,
      });
    } catch (error) {
      throw signal.aborted
        ? new GuardFailure('timeout', 'the guard did not answer in time', { cause: error })
        : new GuardFailure('connection', `the guard could not be reached: ${(error as Error).message}`, {
            cause: error,
          });
    }
    let text: string;
    try {
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of response.body) {
        length += (chunk as Buffer).length;
        if (length > MAX_ANSWER_BYTES) {
          response.body.destroy();
          throw new GuardFailure('invalid', `the guard answered more than ${MAX_ANSWER_BYTES} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      if (error instanceof GuardFailure) throw error;
      throw signal.aborted
        ? new GuardFailure('timeout', 'the guard did not finish its answer in time', { cause: error })
        : new GuardFailure('connection', `the guard's answer was cut: ${(error as Error).message}`, {
            cause: error,
          });
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new GuardFailure('status', `the guard answered HTTP ${response.statusCode}`, {
        status: response.statusCode,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new GuardFailure('invalid', 'the guard answered something that is not JSON', { cause: error });
    }
    const verdict = readVerdict(parsed);
    if (verdict === null) {
      throw new GuardFailure('invalid', 'the guard answer has no "verdict" ("allow"/"reject") nor "flagged"');
    }
    return verdict;
  };
  return { send, close: () => agent.close() };
}
