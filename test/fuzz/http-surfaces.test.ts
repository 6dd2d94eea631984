/**
 * Bad input against the real sidecar (in-process, port 0; fake app and providers): malformed
 * and deeply nested JSON, wrong types, huge bodies, invalid UTF-8, CR/LF header injection over
 * raw sockets, and slow clients. Properties: no 5xx (the fakes never fail here, so a 502/504
 * would be the sidecar's own), every error body carries a registry code, no crash, RSS bounded.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../policy/errors.ts';
import { fuzzOptions } from './fuzz-options.ts';
import { exampleKeys, type SidecarRig, startSidecarRig } from './rig.ts';

const CODES = new Set(Object.keys(ERRORS));
/** RSS growth allowed over the whole file: generous for V8's heap, far below a leak per request. */
const RSS_BOUND_MB = 300;

interface Answer {
  status: number;
  body: string;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.text() };
}

/** The property every answer must hold. */
function wellFormed(a: Answer): boolean {
  if (a.status >= 500) return false;
  if (a.status < 400) return true;
  try {
    const code = (JSON.parse(a.body) as { error?: { code?: string } }).error?.code;
    return typeof code === 'string' && CODES.has(code);
  } catch {
    return false;
  }
}

/** Raw HTTP/1.1 over a socket (Node's client refuses CR/LF in header values). */
function raw(port: number, request: Buffer | string, ms = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (c) => {
      out += c.toString('latin1');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', () => undefined);
    socket.end(request);
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe('bad input against the ingress and the egress', () => {
  let rig: SidecarRig;
  let key: string;
  let rssBefore = 0;
  const stats = { ingress: 0, egress: 0, raw: 0 };

  beforeAll(async () => {
    rig = await startSidecarRig();
    key = exampleKeys().get('acme-legal')!;
    rssBefore = process.memoryUsage().rss;
  });
  afterAll(async () => {
    console.log(`fuzz cases: ingress=${stats.ingress} egress=${stats.egress} raw=${stats.raw}`);
    await rig?.close();
  });

  const jsonish = fc.oneof(
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify({ query: v, top_k: v })),
    fc
      .record({
        query: fc.anything(),
        top_k: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
      })
      .map((o) => {
        try {
          return JSON.stringify(o);
        } catch {
          return '{}';
        }
      }),
    fc.string(),
    fc.integer({ min: 1, max: 5_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
    fc.integer({ min: 1, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    fc.integer({ min: 1, max: 2_000 }).map((n) => '['.repeat(n)),
  );
  const bytes = fc.oneof(
    jsonish.map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
    // invalid UTF-8 inside a JSON string
    fc.constant(
      Buffer.concat([Buffer.from('{"query":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]),
    ),
  );

  it('ingress: random bodies and content types never give a 5xx or an unregistered error', async () => {
    await fc.assert(
      fc.asyncProperty(
        bytes,
        fc.constantFrom(
          'application/json',
          'application/vnd.x+json',
          'text/plain',
          'application/octet-stream',
        ),
        fc.constantFrom('/v1/answer', '/', '/v1/x?y=%zz', '/%2e%2e/etc'),
        async (body, type, path) => {
          stats.ingress += 1;
          const a = await send(`${rig.ingress}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': type },
            body,
          });
          return wellFormed(a);
        },
      ),
      fuzzOptions(150),
    );
  });

  it('egress: random chat and messages bodies never give a 5xx or an unregistered error', async () => {
    const messages = fc.oneof(
      fc.anything(),
      fc.array(
        fc.record({
          role: fc.oneof(fc.string(), fc.constantFrom('user', 'system', 'assistant')),
          content: fc.anything(),
        }),
      ),
    );
    const body = fc.oneof(
      bytes,
      fc
        .record(
          {
            model: fc.oneof(fc.string(), fc.constantFrom('gpt-4', 'default', 'openai/gpt-4'), fc.integer()),
            messages,
            max_tokens: fc.oneof(fc.integer(), fc.double(), fc.string()),
            temperature: fc.oneof(fc.double(), fc.string()),
            stream: fc.oneof(fc.boolean(), fc.string()),
            sluice: fc.anything(),
          },
          { requiredKeys: [] },
        )
        .map((o) => {
          try {
            return Buffer.from(JSON.stringify(o) ?? '{}');
          } catch {
            return Buffer.from('{}');
          }
        }),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('/v1/chat/completions', '/v1/messages'),
        fc.constantFrom('acme-legal', 'initech-research', 'nobody', ''),
        async (b, path, tenant) => {
          stats.egress += 1;
          const a = await send(`${rig.egress}${path}`, {
            method: 'POST',
            headers: {
              'x-sluice-tenant': tenant,
              'content-type': 'application/json',
              'anthropic-version': '2023-06-01',
            },
            body: b,
          });
          // A 200 stream is fine; anything else must be a registered error, never a 5xx here.
          if (!wellFormed(a) && process.env['FUZZ_DEBUG'])
            console.log('egress answered', a.status, a.body.slice(0, 120), 'for', b.toString().slice(0, 300));
          return wellFormed(a);
        },
      ),
      fuzzOptions(150),
    );
  });

  it('huge bodies: 413 SLUICE_BODY_TOO_LARGE on both surfaces', async () => {
    const huge = Buffer.alloc(6 * 1024 * 1024, 0x61);
    const body = Buffer.concat([Buffer.from('{"query":"'), huge, Buffer.from('"}')]);
    // A tenant no other test here spends: the rate limit runs before the body is read, so a
    // tenant whose burst the fuzz runs used up would get 429 instead.
    const fresh = exampleKeys().get('hobby-free')!;
    const i = await send(`${rig.ingress}/v1/answer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fresh}`, 'content-type': 'application/json' },
      body,
    });
    const e = await send(`${rig.egress}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-sluice-tenant': 'acme-legal', 'content-type': 'application/json' },
      body,
    });
    stats.ingress += 1;
    stats.egress += 1;
    for (const a of [i, e]) {
      expect(a.status).toBe(413);
      expect(JSON.parse(a.body)).toMatchObject({ error: { code: 'SLUICE_BODY_TOO_LARGE' } });
    }
  });

  it('CR/LF header injection over a raw socket: refused with 400, nothing smuggled', async () => {
    const port = rig.sidecar.ports.ingress;
    const before = rig.app.stats.requests;
    const attacks = [
      `POST /v1/answer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\rx-sluice-tenant: globex-support\r\nContent-Length: 2\r\n\r\n{}`,
      `POST /v1/answer HTTP/1.1\r\nHost: x\r\nX-Note: a\nx-sluice-tenant: globex-support\r\nAuthorization: Bearer ${key}\r\nContent-Length: 2\r\n\r\n{}`,
      `POST /v1/answer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /v1/answer HTTP/1.1\r\nHost: x\r\nX-Bad: \u0000zero\r\n\r\n`,
    ];
    for (const attack of attacks) {
      stats.raw += 1;
      const response = await raw(port, attack);
      expect(statusOf(response)).toBe(400);
    }
    // None of them reached the app (the forged tenant never got through).
    expect(rig.app.stats.requests).toBe(before);
    expect(rig.app.stats.byTenant.get('globex-support') ?? 0).toBe(0);
  });

  it('slow clients (slowloris) do not starve the others; the sidecar stays healthy', async () => {
    const port = rig.sidecar.ports.ingress;
    const sockets = Array.from({ length: 30 }, () => connect(port, '127.0.0.1'));
    for (const s of sockets) s.on('error', () => undefined);
    // Another tenant: the fuzz runs above spent acme-legal's burst.
    const other = exampleKeys().get('initech-research')!;
    const header = `POST /v1/answer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${other}\r\n`;
    for (let i = 0; i < 10; i++) {
      for (const s of sockets) s.write(header[i % header.length]!);
      const ok = await send(`${rig.ingress}/v1/answer`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
        body: '{"query":"q"}',
      });
      stats.raw += 1;
      expect(ok.status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await fetch(`${rig.admin}/healthz`)).status).toBe(200);
    for (const s of sockets) s.destroy();
  });

  it('memory stays bounded after the whole run', () => {
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    expect(grownMb).toBeLessThan(RSS_BOUND_MB);
  });
});
