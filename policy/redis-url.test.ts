import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRedisUrl, RedisUrlError, redact } from './redis-url.ts';

describe('parseRedisUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', { kind: 'single', tls: false }],
    [
      'rediss://u:p%40ss@cache.example:6380/2',
      { kind: 'single', tls: true, username: 'u', password: 'p@ss' },
    ],
    [
      'redis+cluster://10.0.0.1:7000,10.0.0.2:7001',
      {
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
        ],
      },
    ],
    [
      'redis+cluster://a,b:7001',
      {
        nodes: [
          { host: 'a', port: 6379 },
          { host: 'b', port: 7001 },
        ],
      },
    ],
    [
      'rediss+cluster://:secret@[::1]:7000',
      { tls: true, password: 'secret', nodes: [{ host: '::1', port: 7000 }] },
    ],
    [
      'redis+sentinel://s1,s2:26380/mymaster/3?sentinelPassword=x',
      {
        kind: 'sentinel',
        name: 'mymaster',
        db: 3,
        sentinelPassword: 'x',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
      },
    ],
  ])('%s', (url, expected) => {
    expect(parseRedisUrl(url)).toMatchObject(expected);
  });

  it.each([
    'http://x:1',
    'redis://',
    'redis://a:1,b:2',
    'redis://a:0',
    'redis://a:65536',
    'redis://a:12x',
    'redis+cluster://a:1/5',
    'redis+sentinel://a:1',
    'redis+sentinel://a:1/m/x',
    'redis+cluster://[::1:7000',
    'redis+cluster://::1:7000',
    'redis+cluster://a:1,,b:2',
    'redis://%zz@a:1',
  ])('refuses %s with a RedisUrlError', (url) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
  });

  it('round-trips any list of hosts and ports (property)', () => {
    const host = fc.oneof(
      fc.ipV4(),
      fc.domain(),
      fc.ipV6().map((h) => `[${h}]`),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(host, fc.integer({ min: 1, max: 65_535 })), { minLength: 1, maxLength: 6 }),
        (hosts) => {
          const url = `redis+cluster://${hosts.map(([h, p]) => `${h}:${p}`).join(',')}`;
          const parsed = parseRedisUrl(url);
          expect(parsed.kind).toBe('cluster');
          if (parsed.kind !== 'cluster') return;
          expect(parsed.nodes).toEqual(hosts.map(([h, p]) => ({ host: h.replace(/^\[|\]$/g, ''), port: p })));
        },
      ),
    );
  });

  it('never throws anything but RedisUrlError on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (tail) => {
        for (const scheme of ['redis://', 'redis+cluster://', 'redis+sentinel://']) {
          try {
            parseRedisUrl(scheme + tail);
          } catch (error) {
            expect(error).toBeInstanceOf(RedisUrlError);
          }
        }
      }),
    );
  });
});

describe('redact', () => {
  it.each([
    ['redis://u:secret@h:1', 'redis://u:***@h:1'],
    ['redis+sentinel://s:1/m?sentinelPassword=abc', 'redis+sentinel://s:1/m?sentinelPassword=***'],
    ['redis://h:1', 'redis://h:1'],
  ])('%s', (url, expected) => {
    expect(redact(url)).toBe(expected);
  });
});
