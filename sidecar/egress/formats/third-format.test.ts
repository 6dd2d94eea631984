/**
 * A third wire format is its folder, its line in formats/registry.ts and `make generate`, nothing
 * else (docs/architecture.md "Adding a wire format"). A stand-in third format — Anthropic's
 * messages under a new name, alias and path — is added to the registry's list before anything
 * else reads it, exactly as its registry line would; the names file `make generate` would then
 * write (egress/format-names.ts) is what the settings read here; then the provider settings
 * accept its name and alias, `--help` and the docs' flags table list it, and the egress serves its
 * route through the pivot, with no other edit. (formats/conformance.test.ts checks the codecs of
 * a format that is not the pivot against every other.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { anthropicMessages } from './anthropic-messages/format.ts';
import { formatNamesSource, WIRE_FORMATS } from './registry.ts';
import type { WireFormatAdapter } from './wire-format.ts';

const REAL = [...WIRE_FORMATS];
const generatedDir = mkdtempSync(join(tmpdir(), 'sluice-third-format-'));
afterAll(() => rmSync(generatedDir, { recursive: true, force: true }));

// What `make generate` writes once the registry line is there, read instead of the committed file.
vi.mock('../format-names.ts', async () => {
  const file = join(generatedDir, 'format-names.ts');
  writeFileSync(file, formatNamesSource());
  return import(/* @vite-ignore */ file);
});

const third: WireFormatAdapter = {
  ...anthropicMessages,
  name: 'third',
  aliases: ['third-compatible'],
  path: '/v1/third/messages',
  route: 'third-messages',
  claims: () => false,
};
// The registry line: `[openaiChat, anthropicMessages, third]`. Nothing has read the list yet
// (this file imports no settings, app or rig statically).
(WIRE_FORMATS as WireFormatAdapter[]).push(third);

const { EGRESS_SETTINGS, parseEgressSettings } = await import('../settings.ts');
const { markdownTable, helpText } = await import('../../../cli/lib/settings/render.ts');
const { startEgressRig } = await import('../../../test/support/egress.ts');

describe('the names file', () => {
  it('is what make generate writes from the registry (egress/format-names.ts)', () => {
    const committed = readFileSync(new URL('../format-names.ts', import.meta.url), 'utf8');
    expect(committed).toBe(formatNamesSource(REAL));
  });
});

describe('a third wire format, registered by its registry line only', () => {
  it.each([
    ['third', 'third'],
    ['third-compatible', 'third'],
  ])('a provider may be configured with format %s', (text, name) => {
    const settings = parseEgressSettings({
      env: {
        SLUICE_PROVIDERS: 'p',
        SLUICE_PROVIDER_P_FORMAT: text,
        SLUICE_PROVIDER_P_URL: 'http://127.0.0.1:9',
      },
    });
    expect(settings.providers['p']!.format).toBe(name);
    expect(parseEgressSettings({ providers: [`q=${text},http://127.0.0.1:9`] }).providers['q']!.format).toBe(
      name,
    );
  });

  it('an unknown format is refused with the registered ones listed', () => {
    expect(() => parseEgressSettings({ providers: ['q=fourth,http://127.0.0.1:9'] })).toThrow(
      expect.objectContaining({
        code: 'SLUICE_CONFIG_INVALID',
        detail: expect.stringContaining(
          'openai (or openai-compatible), anthropic, third (or third-compatible)',
        ),
      }),
    );
  });

  it('--help and the docs flags table list it', () => {
    const providers = { providers: EGRESS_SETTINGS.providers };
    expect(helpText(providers)).toContain('third (or third-compatible)');
    expect(markdownTable(providers)).toContain('third (or third-compatible)');
  });

  describe('the egress serves its route', () => {
    let rig: Awaited<ReturnType<typeof startEgressRig>>;
    beforeAll(async () => {
      rig = await startEgressRig();
    });
    afterAll(async () => {
      await rig.close();
    });

    it('a client of the third format is answered by an OpenAI provider through the pivot', async () => {
      // The Anthropic client speaks the stand-in's wire; only the path differs.
      const client = new Anthropic({
        baseURL: rig.url,
        apiKey: 'unused',
        maxRetries: 0,
        defaultHeaders: { 'x-sluice-tenant': 'acme-legal' },
        fetch: (url, init) => fetch(String(url).replace('/v1/messages', third.path), init),
      });
      const answer = await client.messages.create({
        model: 'default',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'What is clause 7?' }],
      });
      expect(answer.content[0]).toMatchObject({ type: 'text', text: 'Hello from gpt-4' });
      expect(rig.openai.requests).toHaveLength(1);
      expect(rig.anthropic.requests).toHaveLength(0);
    });
  });
});
