/**
 * HTTP/1.x over a raw socket, for requests fetch/undici would refuse or normalise (underscored
 * or duplicated header names, HTTP/1.0, absolute-form targets, CL+TE, bodies on GET, `OPTIONS *`).
 * The request is sent as given; the answer is read until the server closes (send
 * `connection: close`) or `ms` pass, then split into status, headers and a de-chunked body.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
  /** The whole answer as received (latin1). */
  text: string;
}

export function rawRequest(port: number, request: Buffer | string, ms = 5_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks).toString('latin1')));
    });
    socket.write(request);
  });
}

/** The last (final) answer in `text`: a 100 Continue before it is skipped. */
export function parseAnswer(text: string): RawAnswer {
  let rest = text;
  for (;;) {
    const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(rest);
    if (!match) return { status: 0, headers: new Map(), body: '', text };
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.slice(match[0].length, end < 0 ? rest.length : end);
    const headers = new Map<string, string>();
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const status = Number(match[1]);
    let body = end < 0 ? '' : rest.slice(end + 4);
    if (status === 100) {
      rest = body;
      continue;
    }
    if (headers.get('transfer-encoding') === 'chunked') body = dechunk(body);
    else if (headers.has('content-length')) body = body.slice(0, Number(headers.get('content-length')));
    return { status, headers, body: Buffer.from(body, 'latin1').toString('utf8'), text };
  }
}

function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    if (eol < 0) return out;
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (!size) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** A raw request: request line, headers (as given, duplicates and odd spellings kept), body. */
export function buildRequest(options: {
  method?: string;
  target?: string;
  version?: string;
  headers: [string, string][];
  body?: Buffer | string;
}): Buffer {
  const head =
    `${options.method ?? 'POST'} ${options.target ?? '/v1/answer'} ${options.version ?? 'HTTP/1.1'}\r\n` +
    options.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('') +
    '\r\n';
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A body in chunked framing, split into pieces of `size` bytes. */
export function chunked(body: Buffer, size = 7): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const piece = body.subarray(i, i + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}
