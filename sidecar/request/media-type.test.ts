import { describe, expect, it } from 'vitest';
import { type BodyKind, classifyBody, parseMediaType } from './media-type.ts';

const kind = (type: string | undefined, encoding?: string, accepted: string[] = []): BodyKind | string => {
  try {
    return classifyBody(type, encoding, accepted).kind;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

const UNSUPPORTED = 'SLUICE_UNSUPPORTED_MEDIA_TYPE';
const FORM = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';

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
    ['application/json; charset=latin1', undefined, [], UNSUPPORTED],
    ['application/json; charset=utf-16', undefined, [], UNSUPPORTED],
    ['application/json; charset=utf-8; charset=latin1', undefined, [], UNSUPPORTED],
    ['application/json', 'gzip', [], UNSUPPORTED],
    ['application/json', 'deflate', [], UNSUPPORTED],
    ['application/json', 'br', [], UNSUPPORTED],
    ['application/json', 'gzip, identity', [], UNSUPPORTED],
    ['application/json', 'Identity', [], 'json'],
    ['text/plain', undefined, [], UNSUPPORTED],
    ['text/plain', undefined, ['text/plain'], 'opaque'],
    ['application/octet-stream', undefined, [], UNSUPPORTED],
    ['application/octet-stream', undefined, ['application/octet-stream'], 'opaque'],
    [FORM, undefined, [], UNSUPPORTED],
    [FORM, undefined, [FORM], 'form'],
    ['application/x-www-form-urlencoded; charset=latin1', undefined, [FORM], UNSUPPORTED],
    ['multipart/form-data; boundary=x', undefined, [], UNSUPPORTED],
    ['multipart/form-data; boundary=x', undefined, [MULTIPART], 'multipart'],
    [MULTIPART, undefined, [MULTIPART], 'SLUICE_BAD_REQUEST'],
    ['multipart/form-data; boundary=a; boundary=b', undefined, [MULTIPART], UNSUPPORTED],
    ['json', undefined, [], UNSUPPORTED],
    ['application/json; charset', undefined, [], UNSUPPORTED],
    ['application/json garbage', undefined, [], UNSUPPORTED],
  ])('%j (encoding %j, accepted %j) → %s', (type, encoding, accepted, expected) => {
    expect(kind(type, encoding, accepted)).toBe(expected);
  });

  it('parses quoted parameters', () => {
    expect(parseMediaType('multipart/form-data; boundary="a b\\"c"')?.params.get('boundary')).toBe('a b"c');
  });
});
