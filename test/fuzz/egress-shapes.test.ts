/**
 * The egress answers every conversation shape it does not accept with the client's 4xx and a
 * registry code, and a provider only ever receives well-shaped conversations (issue 12: the
 * http-surfaces fuzz got a 5xx on main for `{"messages":[{"role":"user","content":{}}]}`).
 *
 * Property, through a real socket to a real sidecar with the fake providers: for arbitrary JSON
 * values in `messages`, in a message's `role` and `content`, in a content part's `type` and
 * `text`, and in Anthropic's `system`, on both client formats and for a tenant served in the
 * same format and one served through translation —
 *   - the answer is a 200, or a 4xx whose code is in the registry with that status; never a 5xx;
 *   - a conversation the oracle below calls malformed is 400 SLUICE_BAD_REQUEST and no provider
 *     received anything;
 *   - a 200 means the provider received a conversation the oracle calls well-formed.
 * The oracle is written from the providers' documentation, not from sidecar/egress/message-shape.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../policy/errors.ts';
import { fuzzOptions } from './fuzz-options.ts';
import { type SidecarRig, startSidecarRig } from './rig.ts';

type Format = 'openai' | 'anthropic';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A content value: a string, or parts that are objects with a type, text parts holding text. */
function contentOk(content: unknown): boolean {
  if (typeof content === 'string') return true;
  if (!Array.isArray(content)) return false;
  return content.every(
    (p) =>
      isObject(p) &&
      typeof p['type'] === 'string' &&
      p['type'] !== '' &&
      (p['type'] !== 'text' || typeof p['text'] === 'string'),
  );
}

const OPENAI_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];

/** Whether a conversation is well-formed in `format` (after the route added nothing to it). */
function conversationOk(format: Format, body: Record<string, unknown>): boolean {
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const m of messages) {
    if (!isObject(m)) return false;
    const role = m['role'];
    if (format === 'openai') {
      if (typeof role !== 'string' || !OPENAI_ROLES.includes(role)) return false;
      if (m['content'] == null) {
        if (role !== 'assistant' && role !== 'function') return false;
      } else if (!contentOk(m['content'])) return false;
    } else {
      if (role !== 'user' && role !== 'assistant') return false;
      if (!contentOk(m['content'])) return false;
    }
  }
  if (format === 'anthropic' && body['system'] !== undefined) {
    const s = body['system'];
    if (typeof s !== 'string' && !(Array.isArray(s) && contentOk(s) && s.every((b) => b.type === 'text')))
      return false;
  }
  return true;
}

const json = fc.jsonValue({ maxDepth: 3 });
// Biased towards the documented shapes, so both sides of the property get many cases: most
// values are near-valid, and arbitrary JSON can stand in at every level.
const part = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('text'), text: fc.string() }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        type: fc.oneof(fc.constantFrom('text', 'image_url', 'image', 'tool_result', 'x-new', ''), json),
        text: fc.oneof(fc.string(), json),
        image_url: fc.oneof(fc.record({ url: fc.oneof(fc.webUrl(), json) }), json),
        source: json,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: json },
);
const content = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.array(part, { maxLength: 3 }) },
  { weight: 2, arbitrary: json },
);
const role = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('user', 'assistant', 'system', 'developer', 'tool', 'function') },
  { weight: 1, arbitrary: json },
);
const message = fc.oneof(
  { weight: 6, arbitrary: fc.record({ role, content }) },
  { weight: 1, arbitrary: fc.record({ role, content }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: json },
);
const body = fc.record(
  {
    messages: fc.oneof(
      { weight: 6, arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: json },
    ),
    system: fc.oneof(
      { weight: 3, arbitrary: fc.string() },
      { weight: 1, arbitrary: fc.array(part, { maxLength: 2 }) },
      { weight: 1, arbitrary: json },
    ),
  },
  { requiredKeys: ['messages'] },
);

describe('egress: every conversation shape is a 200 or a registered 4xx; providers get only well-formed ones', () => {
  let rig: SidecarRig;
  const outcomes = new Map<string, number>();

  beforeAll(async () => {
    rig = await startSidecarRig();
  });
  afterAll(async () => {
    console.log('egress shape outcomes', Object.fromEntries(outcomes));
    await rig?.close();
  });

  const tally = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);

  it('arbitrary messages, roles, contents, parts and system prompts', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom<[Format, string]>(['openai', '/v1/chat/completions'], ['anthropic', '/v1/messages']),
        // acme-legal is served by an OpenAI model, initech-research by an Anthropic one.
        fc.constantFrom('acme-legal', 'initech-research'),
        async (sent, [format, path], tenant) => {
          // Anthropic's system field means nothing to an OpenAI client; keep the body honest.
          const b: Record<string, unknown> = { ...sent };
          if (format === 'openai') delete b['system'];
          const before = rig.openai.requests.length + rig.anthropic.requests.length;
          const r = await fetch(`${rig.egress}${path}`, {
            method: 'POST',
            headers: { 'x-sluice-tenant': tenant, 'content-type': 'application/json' },
            body: JSON.stringify(b),
          });
          const text = await r.text();
          const received = [...rig.openai.requests, ...rig.anthropic.requests].slice(before);
          expect(r.status).toBeLessThan(500);
          if (r.status !== 200) {
            const code = (JSON.parse(text) as { error: { code: keyof typeof ERRORS } }).error.code;
            expect(ERRORS[code]?.status).toBe(r.status);
            tally(code);
          } else {
            tally('200');
          }
          if (!conversationOk(format, b)) {
            expect({ status: r.status, text }).toMatchObject({ status: 400 });
            expect(JSON.parse(text)).toMatchObject({ error: { code: 'SLUICE_BAD_REQUEST' } });
            expect(received).toHaveLength(0);
          }
          if (r.status === 200) {
            expect(received.length).toBeGreaterThan(0);
            for (const got of received) {
              const providerFormat: Format = got.path.includes('/messages') ? 'anthropic' : 'openai';
              expect(conversationOk(providerFormat, got.body)).toBe(true);
            }
          }
        },
      ),
      fuzzOptions(300),
    );
    // Not vacuous: both sides of the property were exercised.
    expect(outcomes.get('200') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('SLUICE_BAD_REQUEST') ?? 0).toBeGreaterThan(0);
  }, 300_000);

  it('arbitrary sampling parameters: a 200 sends the provider only parameters of their documented type', async () => {
    const any = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.double(), fc.integer({ min: -5, max: 5 }));
    // Mostly documented values, so that many requests are served and the provider side is checked.
    const field = <T>(valid: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: any });
    const params = fc.record(
      {
        temperature: field(fc.double({ min: 0, max: 1, noNaN: true })),
        top_p: field(fc.double({ min: 0, max: 1, noNaN: true })),
        top_k: field(fc.nat(100)),
        n: field(fc.constant(1)),
        stop: field(fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 2 }))),
        stop_sequences: field(fc.array(fc.string(), { maxLength: 2 })),
        max_tokens: field(fc.integer({ min: 1, max: 100 })),
        user: field(fc.string()),
        metadata: field(fc.record({ user_id: fc.string() })),
      },
      { requiredKeys: [] },
    );
    const numberOrAbsent = (v: unknown) => v === undefined || v === null || typeof v === 'number';
    const stringsOrAbsent = (v: unknown) =>
      v === undefined ||
      v === null ||
      typeof v === 'string' ||
      (Array.isArray(v) && v.every((s) => typeof s === 'string'));
    await fc.assert(
      fc.asyncProperty(
        params,
        fc.constantFrom<[Format, string]>(['openai', '/v1/chat/completions'], ['anthropic', '/v1/messages']),
        fc.constantFrom('acme-legal', 'initech-research'),
        async (p, [, path], tenant) => {
          const before = rig.openai.requests.length + rig.anthropic.requests.length;
          const r = await fetch(`${rig.egress}${path}`, {
            method: 'POST',
            headers: { 'x-sluice-tenant': tenant, 'content-type': 'application/json' },
            body: JSON.stringify({ ...p, messages: [{ role: 'user', content: 'hi' }] }),
          });
          const text = await r.text();
          expect(r.status).toBeLessThan(500);
          if (r.status !== 200) {
            const code = (JSON.parse(text) as { error: { code: keyof typeof ERRORS } }).error.code;
            expect(ERRORS[code]?.status).toBe(r.status);
            tally(`params ${code}`);
            if (process.env['FUZZ_DEBUG']) console.log(text.slice(0, 200));
            return;
          }
          tally('params 200');
          for (const got of [...rig.openai.requests, ...rig.anthropic.requests].slice(before)) {
            // The parameters the provider's own format documents (others pass through unread).
            const anthropic = got.path.includes('/messages');
            for (const k of anthropic ? ['temperature', 'top_p', 'top_k'] : ['temperature', 'top_p', 'n'])
              expect(numberOrAbsent(got.body[k])).toBe(true);
            expect(Number.isInteger(got.body['max_tokens'] ?? got.body['max_completion_tokens'])).toBe(true);
            expect(stringsOrAbsent(got.body[anthropic ? 'stop_sequences' : 'stop'])).toBe(true);
          }
        },
      ),
      fuzzOptions(150),
    );
    expect(outcomes.get('params 200') ?? 0).toBeGreaterThan(0);
  }, 300_000);

  it.each([
    ['an object', {}],
    ['a number', 1],
    ['true', true],
    ['a list of numbers', [1]],
    ['a part without a type', [{}]],
    ['a text part holding a number', [{ type: 'text', text: 5 }]],
  ])('content %s is 400 SLUICE_BAD_REQUEST on both routes and both providers (5xx on main)', async (_, c) => {
    for (const [path, tenant] of [
      ['/v1/chat/completions', 'acme-legal'],
      ['/v1/chat/completions', 'initech-research'],
      ['/v1/messages', 'acme-legal'],
      ['/v1/messages', 'initech-research'],
    ] as const) {
      const before = rig.openai.requests.length + rig.anthropic.requests.length;
      const r = await fetch(`${rig.egress}${path}`, {
        method: 'POST',
        headers: { 'x-sluice-tenant': tenant, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: c }] }),
      });
      expect({ path, tenant, status: r.status, body: await r.json() }).toMatchObject({
        status: 400,
        body: { error: { code: 'SLUICE_BAD_REQUEST' } },
      });
      expect(rig.openai.requests.length + rig.anthropic.requests.length).toBe(before);
    }
  });
});
