/**
 * A fake app that records exactly what reached it — method, target, raw header names and values
 * as they came off the socket, body bytes — keyed by the request's `x-test-id` header, and
 * answers 200 `{"ok":true}`. The bypass tests assert on these records, not on what the sidecar
 * says it did.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  httpVersion: string;
  /** [name, value, name, value, …] as sent on the wire. */
  rawHeaders: string[];
  body: Buffer;
}

export interface Recorder {
  url: string;
  /** Requests by x-test-id (requests without one under ""). */
  received: Map<string, Received[]>;
  count(): number;
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const received = new Map<string, Received[]>();
  let total = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      total++;
      const id = String(req.headers['x-test-id'] ?? '');
      const list = received.get(id) ?? [];
      list.push({
        method: req.method ?? '',
        url: req.url ?? '',
        httpVersion: req.httpVersion,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      });
      received.set(id, list);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    count: () => total,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
