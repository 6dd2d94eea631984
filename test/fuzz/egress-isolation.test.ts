import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../policy/errors.ts';
import { egressInternals } from '../../sidecar/egress/app.ts';
import { type EgressRig, startEgressRig } from '../support/egress.ts';
import { anthropicClient, openaiClient } from '../support/sdk-clients.ts';
import { ATTACK } from './oracles.ts';
import { buildRequest, rawRequest } from './raw-http.ts';

const HOSTILE = 'hobby-free'; // openai/gpt-3.5-turbo, like globex-support

const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const messages = '[{"role":"user","content":"hi"}]';

/** [name, content-type, body bytes]: every one must be the client's 4xx. */
const HOSTILE_BODIES: [string, string, Buffer | string][] = [
  [
    '20,000 levels of nesting (the crash of issue 12)',
    'application/json',
    `{"messages":${messages},"x":${deep(20_000)}}`,
  ],
  ['nesting inside a message', 'application/json', `{"messages":[{"role":"user","content":${deep(5_000)}}]}`],
  ['a top-level array nested 50,000 deep', 'application/json', `${'['.repeat(50_000)}${']'.repeat(50_000)}`],
  ['duplicate keys', 'application/json', `{"messages":${messages},"max_tokens":1,"max_tokens":999999}`],
  ['a lone surrogate', 'application/json', `{"messages":[{"role":"user","content":"\\ud800"}]}`],
  [
    'invalid UTF-8',
    'application/json',
    Buffer.concat([
      Buffer.from('{"messages":[{"role":"user","content":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}]}'),
    ]),
  ],
  ['max_tokens 1e400', 'application/json', `{"messages":${messages},"max_tokens":1e400}`],
  ['max_tokens as a string', 'application/json', `{"messages":${messages},"max_tokens":"99999999"}`],
  [
    'a huge integer max_tokens',
    'application/json',
    `{"messages":${messages},"max_tokens":100000000000000000000001}`,
  ],
  ['a model object', 'application/json', `{"messages":${messages},"model":{"a":1}}`],
  ['a __proto__ key', 'application/json', `{"messages":${messages},"__proto__":{"x":1}}`],
  ['a top-level array', 'application/json', `[{"messages":${messages}}]`],
  ['messages not objects', 'application/json', '{"messages":[1,null,"x"]}'],
  ['stream as a string', 'application/json', `{"messages":${messages},"stream":"true"}`],
  [
    'stream_options as a list',
    'application/json',
    `{"messages":${messages},"stream":true,"stream_options":[1]}`,
  ],
  ['text/plain', 'text/plain', `{"messages":${messages}}`],
  ['a charset that is not UTF-8', 'application/json; charset=utf-16', `{"messages":${messages}}`],
  ['an unknown template', 'application/json', '{"sluice":{"template":"nope","variables":{}}}'],
  [
    'an unlisted template variable',
    'application/json',
    '{"sluice":{"template":"ticket","variables":{"query":"q","secret":"x"}}}',
  ],
  [
    'a screened variable',
    'application/json',
    `{"sluice":{"template":"ticket","variables":{"query":"q","product":"x","context":${JSON.stringify(ATTACK)}}}}`,
  ],
  ['empty', 'application/json', ''],
];

describe('a client cannot hurt another tenant through the egress', () => {
  let rig: EgressRig;
  let port: number;

  beforeAll(async () => {
    rig = await startEgressRig({ realClock: true });
    port = Number(new URL(rig.url).port);
  });
  afterAll(async () => rig?.close());

  const hostile = (type: string, body: Buffer | string, tenant = HOSTILE) =>
    rawRequest(
      port,
      buildRequest({
        target: '/v1/chat/completions',
        headers: [
          ['host', 'x'],
          ['x-sluice-tenant', tenant],
          ['content-type', type],
          ['content-length', String(Buffer.byteLength(body))],
          ['connection', 'close'],
        ],
        body,
      }),
    );

  it.each(HOSTILE_BODIES)(
    '%s is the client’s 4xx with a registry code, not a provider failure',
    async (_, type, body) => {
      // globex-support has the template "ticket"; hobby-free none: both are tried.
      for (const tenant of [HOSTILE, 'globex-support']) {
        const answer = await hostile(type, body, tenant);
        expect(answer.status, answer.body.slice(0, 200)).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        const code = JSON.parse(answer.body).error.code as keyof typeof ERRORS;
        expect(ERRORS[code].status).toBe(answer.status);
      }
    },
  );

  it('regression: five 20,000-deep bodies no longer open the gpt-3.5-turbo breaker for everyone', async () => {
    for (let i = 0; i < 5; i++)
      expect((await hostile('application/json', HOSTILE_BODIES[0]![2])).status).toBe(400);
    const openai = openaiClient(rig.url, 'globex-support');
    const answer = await openai.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]!.message.content).toContain('gpt-3.5-turbo');
  });

  it('a flood of hostile bodies leaves every other tenant at 100% success and every breaker closed', async () => {
    const openai = (tenant: string) => openaiClient(rig.url, tenant);
    const anthropic = anthropicClient(rig.url, 'initech-research');
    const flood = async () => {
      let refused = 0;
      for (let round = 0; round < 6; round++) {
        const answers = await Promise.all(HOSTILE_BODIES.map(([, type, body]) => hostile(type, body)));
        for (const a of answers) if (a.status >= 400 && a.status < 500) refused++;
      }
      return refused;
    };
    const others = async () => {
      const results: boolean[] = [];
      for (let i = 0; i < 15; i++) {
        const calls = await Promise.allSettled([
          openai('globex-support').chat.completions.create({
            model: 'default',
            messages: [{ role: 'user', content: `q${i}` }],
          }),
          openai('acme-legal').chat.completions.create({
            model: 'default',
            messages: [{ role: 'user', content: `q${i}` }],
          }),
          anthropic.messages.create({
            model: 'default',
            max_tokens: 64,
            messages: [{ role: 'user', content: `q${i}` }],
          }),
        ]);
        for (const c of calls) results.push(c.status === 'fulfilled');
      }
      return results;
    };
    const [refused, results] = await Promise.all([flood(), others()]);
    expect(refused).toBe(HOSTILE_BODIES.length * 6);
    expect(results.filter(Boolean).length / results.length).toBe(1);
    const states = egressInternals(rig.app).breakers.states(Date.now());
    expect(states.filter((s) => s.state !== 'closed')).toEqual([]);
  }, 60_000);
});
