/**
 * A small fake of an external prompt guard for the guard client's tests, speaking the wire of
 * transport.ts over a real socket on 127.0.0.1 port 0, scripted per request:
 *
 *   const fake = await startFakeGuard();
 *   fake.script([{ delayMs: 500 }, { status: 503 }, { verdict: 'reject' }]);  // then the default
 *   … fake.requests …                                                        // what it received
 *
 * The default answer (script exhausted) is {"verdict": "reject"} when the text contains
 * "ATTACK", else {"verdict": "allow"}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeGuardStep {
  /** Answer this verdict. */
  verdict?: 'allow' | 'reject';
  /** Answer in the {"flagged": boolean} shape instead. */
  flagged?: boolean;
  /** Answer this HTTP status (with a JSON error body). */
  status?: number;
  /** Answer this raw body (200, content-type JSON), e.g. something that is not JSON. */
  raw?: string;
  /** Wait before answering, ms. */
  delayMs?: number;
  /** Never answer (the client's deadline must fire). */
  hang?: boolean;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
}

export interface FakeGuard {
  readonly url: string;
  /** Bodies received, parsed, in order. */
  readonly requests: { text: unknown; tenant: unknown; kind: unknown }[];
  script(steps: FakeGuardStep[]): void;
  close(): Promise<void>;
}

export async function startFakeGuard(): Promise<FakeGuard> {
  const steps: FakeGuardStep[] = [];
  const requests: FakeGuard['requests'] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const answer = (res: ServerResponse, text: unknown, step: FakeGuardStep): void => {
    if (step.reset) {
      res.socket?.destroy();
      return;
    }
    if (step.status !== undefined) {
      res.writeHead(step.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `scripted ${step.status}` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (step.raw !== undefined) res.end(step.raw);
    else if (step.flagged !== undefined) res.end(JSON.stringify({ flagged: step.flagged }));
    else {
      const verdict =
        step.verdict ?? (typeof text === 'string' && text.includes('ATTACK') ? 'reject' : 'allow');
      res.end(JSON.stringify({ verdict }));
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // recorded as empty
      }
      requests.push({ text: body['text'], tenant: body['tenant'], kind: body['kind'] });
      const step = steps.shift() ?? {};
      if (step.hang) return;
      if (step.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer(res, body['text'], step);
        }, step.delayMs);
        timers.add(timer);
      } else answer(res, body['text'], step);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/guard`,
    requests,
    script(next) {
      steps.push(...next);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
