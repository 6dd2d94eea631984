import { describe, expect, it } from 'vitest';
import { parseEgressSettings } from './settings.ts';

describe('parseEgressSettings', () => {
  it('reads providers from the environment, the key from a mounted file', () => {
    const s = parseEgressSettings({
      env: {
        SLUICE_PROVIDERS: 'openai,anthropic',
        SLUICE_PROVIDER_OPENAI_URL: 'https://api.openai.com/',
        SLUICE_PROVIDER_OPENAI_KEY_FILE: '/var/run/secrets/openai/key',
        SLUICE_PROVIDER_ANTHROPIC_FORMAT: 'anthropic',
        SLUICE_PROVIDER_ANTHROPIC_URL: 'https://api.anthropic.com',
        SLUICE_PROVIDER_ANTHROPIC_KEY: 'sk-ant',
        SLUICE_PROVIDER_ANTHROPIC_TIMEOUT_MS: '5000',
        SLUICE_PRICES: 'openai/gpt-4=0.03:0.06,openai/gpt-4o=0.0025,0.01',
      },
      readFile: (p) => (p === '/var/run/secrets/openai/key' ? 'sk-from-file\n' : ''),
    });
    expect(s.providers['openai']).toMatchObject({
      format: 'openai',
      baseUrl: 'https://api.openai.com',
      apiKey: 'sk-from-file',
    });
    expect(s.providers['anthropic']).toMatchObject({
      format: 'anthropic',
      apiKey: 'sk-ant',
      timeoutMs: 5000,
    });
    expect(s.prices).toEqual({
      'openai/gpt-4': { inputPer1k: 0.03, outputPer1k: 0.06 },
      'openai/gpt-4o': { inputPer1k: 0.0025, outputPer1k: 0.01 },
    });
    expect(Object.isFrozen(s) && Object.isFrozen(s.providers['openai'])).toBe(true);
  });

  it('reads --provider and --price flags, which win over the environment', () => {
    const s = parseEgressSettings({
      env: { SLUICE_PROVIDERS: 'openai', SLUICE_PROVIDER_OPENAI_URL: 'http://env', LOCAL_KEY: 'k1' },
      providers: [
        'openai=openai-compatible,http://127.0.0.1:9000,keyenv=LOCAL_KEY,timeout=1500,connections=4',
      ],
      prices: ['openai/gpt-4=1,2'],
    });
    expect(s.providers['openai']).toMatchObject({
      baseUrl: 'http://127.0.0.1:9000',
      apiKey: 'k1',
      timeoutMs: 1500,
      connections: 4,
    });
    expect(s.prices['openai/gpt-4']).toEqual({ inputPer1k: 1, outputPer1k: 2 });
  });

  it.each([
    [{ env: { SLUICE_PROVIDERS: 'x' } }],
    [{ env: { SLUICE_PROVIDERS: 'x', SLUICE_PROVIDER_X_URL: 'ftp://a' } }],
    [{ env: { SLUICE_PROVIDERS: 'x', SLUICE_PROVIDER_X_URL: 'http://a', SLUICE_PROVIDER_X_FORMAT: 'grpc' } }],
    [{ env: {}, providers: ['x=openai-compatible,http://a,colour=blue'] }],
    [
      {
        env: {},
        providers: ['x=openai-compatible,http://a,keyfile=/nope'],
        readFile: () => {
          throw new Error('ENOENT');
        },
      },
    ],
    [{ env: { SLUICE_PRICES: 'gpt-4=abc' } }],
    [{ env: { SLUICE_BREAKER_FAILURES: '0' } }],
  ])('stops start-up with SLUICE_CONFIG_INVALID on %j', (input) => {
    expect(() => parseEgressSettings(input)).toThrow(
      expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }),
    );
  });
});
