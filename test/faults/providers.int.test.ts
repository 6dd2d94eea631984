/**
 * Provider faults under small concurrent load, through the real egress (in-process, port 0) and
 * the scripted fake providers: every provider answering 503, a provider slower than the timeout,
 * streams cut midway (OpenAI and Anthropic formats). The answer is a fallback or a clear
 * registry error — never a silently truncated success: a 200 stream ends with its end marker or
 * with an error event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../policy/errors.ts';
import { type EgressRig, startEgressRig } from '../support/egress.ts';
import { recordCounts } from './counts.ts';

interface Outcome {
  status: number;
  body: string;
  headers: Headers;
}

const CODES = new Set(Object.keys(ERRORS));

/** Wrong when: a 200 stream without its end marker or an error event; an error without a registry code. */
function silentFailure(o: Outcome, format: 'openai' | 'anthropic', stream: boolean): boolean {
  if (o.status === 200) {
    if (!stream) return !o.body.includes('"choices"') && !o.body.includes('"content"');
    const ended =
      format === 'openai'
        ? o.body.trimEnd().endsWith('data: [DONE]')
        : o.body.includes('event: message_stop');
    const errorEvent = o.body.includes('SLUICE_STREAM_INTERRUPTED');
    return !(ended || errorEvent);
  }
  try {
    const code = (JSON.parse(o.body) as { error?: { code?: string } }).error?.code;
    return !code || !CODES.has(code);
  } catch {
    return true;
  }
}

/** A fake provider's script: the same step `n` times. */
const repeat = <T>(n: number, step: T): T[] => Array.from({ length: n }, () => step);

describe('fault: providers failing, slow, and cutting streams', () => {
  let rig: EgressRig;
  let faults = 0;
  let requests = 0;
  let lost = 0;

  const call = async (tenant: string, format: 'openai' | 'anthropic', stream: boolean, model?: string) => {
    const path = format === 'openai' ? '/v1/chat/completions' : '/v1/messages';
    const body =
      format === 'openai'
        ? {
            model,
            stream,
            messages: [{ role: 'user', content: 'Tell me about clause 7 please' }],
            max_tokens: 64,
          }
        : {
            model,
            stream,
            max_tokens: 64,
            messages: [{ role: 'user', content: 'Tell me about clause 7 please' }],
          };
    const r = await fetch(`${rig.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sluice-tenant': tenant,
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify(body),
    });
    let text = '';
    try {
      text = await r.text();
    } catch {
      text = ''; // a connection torn down mid-body: counted as silent below (no marker, no error)
    }
    const o = { status: r.status, body: text, headers: r.headers };
    requests += 1;
    if (silentFailure(o, format, stream)) lost += 1;
    return o;
  };
  /** `n` of the same call at once. */
  const calls = (n: number, ...args: Parameters<typeof call>) =>
    Array.from({ length: n }, () => call(...args));
  /** `n` calls from acme-legal (OpenAI, streamed or not) and `n` streamed ones from initech-research (Anthropic), at once. */
  const bothProviders = (n: number, openaiStream: boolean) =>
    Promise.all([
      ...calls(n, 'acme-legal', 'openai', openaiStream),
      ...calls(n, 'initech-research', 'anthropic', true),
    ]);
  const codeOf = (o: Outcome) => (JSON.parse(o.body) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    rig = await startEgressRig({ realClock: true });
  });
  afterAll(async () => {
    recordCounts({ test: 'provider-faults', faults, requests, lost, crashes: 0 });
    await rig?.close();
  });

  it('every provider answering 503: 502 SLUICE_ALL_MODELS_FAILED, never a 200', async () => {
    rig.openai.script(repeat(40, { status: 503 }));
    rig.anthropic.script(repeat(40, { status: 503 }));
    faults += 80;
    const out = await bothProviders(8, false);
    for (const o of out) {
      expect(o.status).toBe(502);
      expect(codeOf(o)).toBe('SLUICE_ALL_MODELS_FAILED');
    }
    rig.openai.reset();
    rig.anthropic.reset();
  });

  it('a provider slower than its timeout: fallback, or 504 when there is none', async () => {
    // The rig's provider timeout is 2 s; breakers reset by a fresh rig below.
    await rig.close();
    rig = await startEgressRig({ realClock: true });
    rig.openai.script(repeat(4, { delayMs: 3_000 }), 'gpt-4');
    rig.openai.script(repeat(4, { delayMs: 3_000 }), 'gpt-3.5-turbo');
    faults += 8;
    const [fallback, none] = await Promise.all([
      Promise.all(calls(4, 'acme-legal', 'openai', false)),
      Promise.all(calls(4, 'globex-support', 'openai', false, 'gpt-3.5-turbo')),
    ]);
    // acme-legal: gpt-4 timed out → gpt-3.5-turbo, which is slow too for 4 of the 8 calls to it.
    for (const o of [...fallback, ...none]) {
      if (o.status === 200) expect(o.headers.get('sluice-model')).toBeTruthy();
      else expect(['SLUICE_UPSTREAM_TIMEOUT', 'SLUICE_ALL_MODELS_FAILED']).toContain(codeOf(o));
    }
    for (const o of none) expect(o.status).not.toBe(200);
    expect(fallback.some((o) => o.status === 200 && o.headers.get('sluice-fallback'))).toBe(true);
  });

  it('streams cut midway end with an error event; cut before the first event falls back', async () => {
    await rig.close();
    rig = await startEgressRig({ realClock: true });
    rig.openai.script(repeat(4, { cutAfter: 2, text: 'one two three four five six' }), 'gpt-4');
    rig.anthropic.script(repeat(4, { cutAfter: 2, text: 'one two three four five six' }), 'claude-sonnet-4');
    faults += 8;
    const cut = await bothProviders(4, true);
    for (const o of cut) {
      expect(o.status).toBe(200);
      expect(o.body).toContain('SLUICE_STREAM_INTERRUPTED');
    }
    rig.openai.script(repeat(4, { cutAtStart: true }), 'gpt-4');
    faults += 4;
    const early = await Promise.all(calls(4, 'acme-legal', 'openai', true));
    for (const o of early) {
      expect(o.status).toBe(200);
      expect(o.headers.get('sluice-fallback')).toBe('gpt-4->gpt-3.5-turbo');
      expect(o.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    }
    expect(lost).toBe(0);
  });
});
