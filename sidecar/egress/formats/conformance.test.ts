/**
 * Every wire format passes the same table (formats/wire-format.ts): the registry lists every
 * folder under formats/, and each format — alone, and against every other format through the
 * pivot — must check, encode, decode and stream its samples (formats/<name>/samples.ts) the same
 * way. A new format is a folder with format.ts and samples.ts plus its line in registry.ts; this
 * file needs no edit.
 */
import { readdirSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EffectiveModel } from '../../../policy/effective.ts';
import type { ProviderSettings } from '../settings.ts';
import { parseEgressSettings } from '../settings.ts';
import type { Usage } from '../usage.ts';
import { type CallPlan, decodeAnswer, encodeRequest, streamTranslator } from './codec.ts';
import { claimedFormat, PIVOT, WIRE_FORMATS } from './registry.ts';
import type { FormatSamples } from './samples.ts';
import type { StreamTranslator } from './stream-translator.ts';
import type { WireFormatAdapter } from './wire-format.ts';

const folders = readdirSync(new URL('.', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/** Each folder's adapter (the export of its format.ts that is registered) and samples. */
const found: { folder: string; format: WireFormatAdapter | undefined; samples: FormatSamples }[] = [];
for (const folder of folders) {
  const mod = (await import(`./${folder}/format.ts`)) as Record<string, unknown>;
  const samples = Object.values(
    (await import(`./${folder}/samples.ts`)) as Record<string, FormatSamples>,
  )[0]!;
  const format = Object.values(mod).find((v) => WIRE_FORMATS.includes(v as WireFormatAdapter));
  found.push({ folder, format: format as WireFormatAdapter | undefined, samples });
}
const cases = found.map((f) => ({ name: f.folder, format: f.format!, samples: f.samples }));
const pairs = cases.flatMap((client) =>
  cases.filter((upstream) => upstream !== client).map((upstream) => ({ client, upstream })),
);

const USAGE: Usage = { promptTokens: 12, completionTokens: 7 };
const PARTS = ['Hel', 'lo, ', 'wörld 🌍', ' "quoted" \\ end'];
const TEXT = PARTS.join('');

const provider = (apiKey: string): ProviderSettings => ({
  name: 'sample',
  format: 'openai',
  baseUrl: 'http://127.0.0.1:9',
  apiKey,
  timeoutMs: 1_000,
  idleTimeoutMs: 1_000,
  connections: 1,
});

const plan = (client: WireFormatAdapter, body: Record<string, unknown>, stream: boolean): CallPlan => ({
  client,
  body: stream ? { ...body, stream: true } : body,
  stream,
  includeUsage: true,
  maxTokens: 50,
  created: 1_700_000_000,
});

/** Feeds SSE text through a translator the way stream-pump.ts does; returns the client's events. */
function run(translator: StreamTranslator, text: string) {
  let out = '';
  createParser({ onEvent: (e) => (out += translator.push(e.event, e.data)) }).feed(text);
  out += translator.finish();
  const events: { event?: string | undefined; data: string }[] = [];
  createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) }).feed(out);
  return events;
}

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'no error';
};

describe('the wire format registry', () => {
  it('lists the adapter of every folder under formats/, and nothing else', () => {
    expect(folders.length).toBeGreaterThanOrEqual(2);
    expect(found.filter((f) => f.format === undefined).map((f) => f.folder)).toEqual([]);
    expect(found.map((f) => f.format)).toEqual(expect.arrayContaining([...WIRE_FORMATS]));
    expect(WIRE_FORMATS).toHaveLength(folders.length);
  });

  it('gives every format its own name, path and route label', () => {
    for (const key of ['name', 'path', 'route'] as const) {
      expect(new Set(WIRE_FORMATS.map((f) => f[key])).size).toBe(WIRE_FORMATS.length);
    }
  });

  it('answers a request no format claims in the pivot format', () => {
    expect(claimedFormat({})).toBe(PIVOT);
    expect(PIVOT.claims({})).toBe(false);
  });

  it('has exactly one pivot (a format with no translation), and every other format translates both ways', () => {
    expect(WIRE_FORMATS.filter((f) => f.asClient === null && f.asProvider === null)).toHaveLength(1);
    for (const f of WIRE_FORMATS) expect(f.asClient === null).toBe(f.asProvider === null);
  });

  it.each(WIRE_FORMATS.map((f) => [f.name]))('a provider may be configured with format %s', (name) => {
    const settings = parseEgressSettings({
      env: {
        SLUICE_PROVIDERS: 'p',
        SLUICE_PROVIDER_P_FORMAT: name,
        SLUICE_PROVIDER_P_URL: 'http://127.0.0.1:9',
      },
    });
    expect(settings.providers['p']!.format).toBe(name);
  });
});

describe.each(cases)('wire format $name', ({ format, samples }) => {
  it('accepts its sample request, and refuses a malformed conversation or parameter with SLUICE_BAD_REQUEST', () => {
    expect(codeOf(() => format.checkConversation(samples.request()))).toBe('no error');
    expect(codeOf(() => format.checkParameters(samples.request()))).toBe('no error');
    expect(codeOf(() => format.checkConversation(samples.badConversation()))).toBe('SLUICE_BAD_REQUEST');
    expect(codeOf(() => format.checkParameters(samples.badParameter()))).toBe('SLUICE_BAD_REQUEST');
  });

  it('sends JSON, and the API key only when there is one', () => {
    const settings = parseEgressSettings({ env: {} });
    const withKey = format.headers(provider('sk-sample-key'), settings);
    const without = format.headers(provider(''), settings);
    expect(withKey['content-type']).toBe('application/json');
    expect(Object.values(withKey).some((v) => v.includes('sk-sample-key'))).toBe(true);
    expect(Object.values(without).some((v) => v.includes('sk-'))).toBe(false);
  });

  it.each([false, true])('passes its own request through with the model replaced (stream %s)', (stream) => {
    const encoded = JSON.parse(
      encodeRequest(plan(format, samples.request(), stream), format, 'served-model'),
    );
    expect(encoded).toMatchObject({ ...samples.request(), model: 'served-model' });
    expect(codeOf(() => format.checkConversation(encoded))).toBe('no error');
  });

  it('reads the usage of its answers, and none where there is none', () => {
    expect(format.usage(samples.answer(TEXT, USAGE)['usage'])).toEqual(USAGE);
    expect(format.usage(undefined)).toBeNull();
    expect(format.usage(null)).toBeNull();
  });

  it('passes its own JSON answer through byte for byte, with its usage', () => {
    // Indented: a re-serialised answer would lose the provider's own bytes.
    const text = JSON.stringify(samples.answer(TEXT, USAGE), null, 1);
    expect(decodeAnswer(plan(format, samples.request(), false), format, 'm', text)).toEqual({
      text,
      usage: USAGE,
    });
  });

  it('passes its own stream through with its text, end marker and usage', () => {
    const translator = streamTranslator(plan(format, samples.request(), true), format, 'm');
    const events = run(translator, samples.stream(PARTS, USAGE));
    expect(samples.streamText(events)).toBe(TEXT);
    expect(translator.done).toBe(true);
    expect(translator.usage).toEqual(USAGE);
    expect(translator.upstreamError).toBeNull();
  });

  it('lists models with their ids, in order', () => {
    const models = [
      { provider: 'p', model: 'first' },
      { provider: 'p', model: 'second' },
    ] as EffectiveModel[];
    const listed = JSON.stringify(format.modelList(models));
    expect(listed.indexOf('"first"')).toBeGreaterThan(-1);
    expect(listed.indexOf('"second"')).toBeGreaterThan(listed.indexOf('"first"'));
  });

  it('ends an interrupted stream with an error event that names the code', () => {
    const translator = format.passthroughStream(true);
    expect(translator.errorEvent('SLUICE_STREAM_INTERRUPTED', 'broke')).toContain(
      'SLUICE_STREAM_INTERRUPTED',
    );
  });
});

describe.each(pairs)('a $client.name client on a $upstream.name provider', ({ client, upstream }) => {
  it.each([false, true])('sends a request the provider format accepts (stream %s)', (stream) => {
    const encoded = JSON.parse(
      encodeRequest(plan(client.format, client.samples.request(), stream), upstream.format, 'served-model'),
    );
    expect(encoded.model).toBe('served-model');
    expect(codeOf(() => upstream.format.checkConversation(encoded))).toBe('no error');
    expect(codeOf(() => upstream.format.checkParameters(encoded))).toBe('no error');
    expect(encoded.stream === true).toBe(stream);
  });

  it('answers in the client format with the provider text and usage', () => {
    const text = JSON.stringify(upstream.samples.answer(TEXT, USAGE));
    const answer = decodeAnswer(
      plan(client.format, client.samples.request(), false),
      upstream.format,
      'm',
      text,
    );
    expect(client.samples.answerText(JSON.parse(answer.text))).toBe(TEXT);
    expect(answer.usage).toEqual(USAGE);
  });

  it('streams in the client format with the provider text, end marker and usage', () => {
    const translator = streamTranslator(
      plan(client.format, client.samples.request(), true),
      upstream.format,
      'm',
    );
    const events = run(translator, upstream.samples.stream(PARTS, USAGE));
    expect(client.samples.streamText(events)).toBe(TEXT);
    expect(translator.done).toBe(true);
    expect(translator.usage).toEqual(USAGE);
    expect(translator.errorEvent('SLUICE_STREAM_INTERRUPTED', 'x')).toBe(
      client.format.passthroughStream(true).errorEvent('SLUICE_STREAM_INTERRUPTED', 'x'),
    );
  });
});

/**
 * Two formats that are both not the pivot go through it twice (provider → pivot → client). With
 * two formats today that path has no real pair, so a copy of each non-pivot format under a name
 * of its own stands in for a third one: the codec tells formats apart by identity, as it would a
 * new folder's adapter. formats/third-format.test.ts registers such a stand-in through the
 * registry's list alone and checks the settings, --help and the egress route follow.
 */
describe.each(cases.filter((c) => c.format.asClient !== null))(
  'a second $name-like format through the pivot',
  ({ format, samples }) => {
    const twin: WireFormatAdapter = { ...format, name: `${format.name}-twin`, aliases: [] };

    it('encodes a request its provider accepts', () => {
      const encoded = JSON.parse(encodeRequest(plan(twin, samples.request(), true), format, 'served-model'));
      expect(codeOf(() => format.checkConversation(encoded))).toBe('no error');
      expect(encoded).toMatchObject({ model: 'served-model', stream: true });
    });

    it('answers and streams the provider text and usage', () => {
      const text = JSON.stringify(samples.answer(TEXT, USAGE));
      const answer = decodeAnswer(plan(twin, samples.request(), false), format, 'm', text);
      expect(samples.answerText(JSON.parse(answer.text))).toBe(TEXT);
      const translator = streamTranslator(plan(twin, samples.request(), true), format, 'm');
      expect(samples.streamText(run(translator, samples.stream(PARTS, USAGE)))).toBe(TEXT);
      expect(translator.done).toBe(true);
      expect(translator.usage).toEqual(USAGE);
    });
  },
);

/**
 * The invariant behind the table, for any text and usage: whatever pair of formats (the same, or
 * two through the pivot), the client gets the provider's text, and the egress settles the
 * provider's usage — from a JSON answer and from a stream cut into any parts.
 */
describe('every pair of formats, for any text and usage', () => {
  const everyPair = cases.flatMap((client) => cases.map((upstream) => ({ client, upstream })));
  const usage = fc.record({ promptTokens: fc.nat(1_000_000), completionTokens: fc.nat(1_000_000) });
  const parts = fc.array(fc.string({ unit: 'grapheme', minLength: 1 }), { minLength: 1, maxLength: 8 });

  it.each(everyPair.map((p) => [p.client.name, p.upstream.name, p]))(
    '%s client, %s provider',
    (_c, _u, pair) => {
      const { client, upstream } = pair as (typeof everyPair)[number];
      fc.assert(
        fc.property(parts, usage, (texts, counts) => {
          const text = texts.join('');
          const body = client.samples.request();
          const answer = decodeAnswer(
            plan(client.format, body, false),
            upstream.format,
            'm',
            JSON.stringify(upstream.samples.answer(text, counts)),
          );
          expect(client.samples.answerText(JSON.parse(answer.text))).toBe(text);
          expect(answer.usage).toEqual(counts);
          const translator = streamTranslator(plan(client.format, body, true), upstream.format, 'm');
          expect(client.samples.streamText(run(translator, upstream.samples.stream(texts, counts)))).toBe(
            text,
          );
          expect(translator.done).toBe(true);
          expect(translator.usage).toEqual(counts);
        }),
        { numRuns: 100 },
      );
    },
  );
});
