import { describe, expect, it } from 'vitest';
import { type BodyKind, classifyBody, parseMediaType } from './media-type.ts';

const kind = (type: string | undefined, encoding?: string, accepted: string[] = []): BodyKind | string => {
  try {
    return classifyBody(type, encoding, accepted).kind;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('classifyBody', () => {
  it.each<[string | undefined, string | undefined, string[], BodyKind | string]>([
    [undefined, undefined, [], 'json'],
    ['', undefined, [], 'json'],
    ['application/json', undefined, [], 'json'],
    ['Application/JSON; charset=UTF-8', undefined, [], 'json'],
    ['application/json; charset="utf-8"', undefined, [], 'json'],
    ['application/json;charset=utf8', undefined, [], 'json'],
    ['text/json', undefined, [], 'json'],
    ['text/x-json', undefined, [], 'json'],
    ['application/x-json', undefined, [], 'json'],
    ['application/vnd.api+json', undefined, [], 'json'],
    ['application/problem+json', undefined, [], 'json'],
    ['application/json; charset=latin1', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json; charset=utf-16', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json; charset=utf-8; charset=latin1', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json', 'gzip', [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json', 'deflate', [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json', 'br', [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json', 'gzip, identity', [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json', 'Identity', [], 'json'],
    ['text/plain', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['text/plain', undefined, ['text/plain'], 'opaque'],
    ['application/octet-stream', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/octet-stream', undefined, ['application/octet-stream'], 'opaque'],
    ['application/x-www-form-urlencoded', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/x-www-form-urlencoded', undefined, ['application/x-www-form-urlencoded'], 'form'],
    [
      'application/x-www-form-urlencoded; charset=latin1',
      undefined,
      ['application/x-www-form-urlencoded'],
      'SLUICE_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['multipart/form-data; boundary=x', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['multipart/form-data; boundary=x', undefined, ['multipart/form-data'], 'multipart'],
    ['multipart/form-data', undefined, ['multipart/form-data'], 'SLUICE_BAD_REQUEST'],
    [
      'multipart/form-data; boundary=a; boundary=b',
      undefined,
      ['multipart/form-data'],
      'SLUICE_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['json', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json; charset', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json garbage', undefined, [], 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
  ])('%j (encoding %j, accepted %j) → %s', (type, encoding, accepted, expected) => {
    expect(kind(type, encoding, accepted)).toBe(expected);
  });

  it('parses quoted parameters', () => {
    expect(parseMediaType('multipart/form-data; boundary="a b\\"c"')?.params.get('boundary')).toBe('a b"c');
  });
});
