import { describe, expect, it } from 'vitest';
import { CANDIDATE_BASE64, CANDIDATE_HEX_PAIRS, decodeCandidate } from './decode.ts';
import { Tokens, tokenise } from './lex.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

/** Candidates lex.ts records, decoded: what the screener reads from encoded runs. */
function decodedRuns(text: string): string[] {
  const tokens = new Tokens();
  tokenise(text, null, tokens);
  const out: string[] = [];
  for (let k = 0; k < tokens.candidateKind.length; k++) {
    const run = decodeCandidate(
      text,
      tokens.candidateKind[k]!,
      tokens.candidateStart[k]!,
      tokens.candidateEnd[k]!,
    );
    if (run) out.push(run.decoded);
  }
  return out;
}

describe('encoded runs', () => {
  it.each([
    ['base64', `x ${b64('hello, this is text')} y`, ['hello, this is text']],
    ['base64 with + and /', b64('??>>??>> text with symbols ~~~'), ['??>>??>> text with symbols ~~~']],
    [
      'url-safe base64',
      b64('??>>??>> text with symbols ~~~').replace(/\+/g, '-').replace(/\//g, '_'),
      ['??>>??>> text with symbols ~~~'],
    ],
    ['unpadded base64', b64('hello, this is text').replace(/=+$/, ''), ['hello, this is text']],
    ['contiguous hex', hex('hello hex world'), ['hello hex world']],
    ['0x hex', `0x${hex('hello hex world')}`, ['hello hex world']],
    ['space-separated pairs', '68 65 6c 6c 6f 20 77 6f 72 6c 64', ['hello world']],
    ['colon-separated pairs', '68:65:6c:6c:6f:20:77:6f:72:6c:64', ['hello world']],
    ['\\x pairs', '\\x68\\x65\\x6c\\x6c\\x6f\\x20\\x77\\x6f', ['hello wo']],
    ['percent pairs', '%68%65%6c%6c%6f%20%77%6f%72', ['hello wor']],
    ['0x pairs', '0x68 0x65 0x6c 0x6c 0x6f 0x20 0x77 0x6f', ['hello wo']],
  ])('decodes %s', (_name, text, expected) => {
    expect(decodedRuns(text)).toEqual(expected);
  });

  it.each([
    ['a SHA-256 hash', 'e3b0c44298fc1c149afbfc8996fb92427ae41e4649b934ca495991b7852b855'],
    ['a random key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
    ['a long English word', 'internationalization counterrevolutionaries'],
    ['a UUID', '123e4567-e89b-12d3-a456-426614174000'],
    ['a short base64', b64('hi there')],
    ['too few hex pairs', '68 65 6c 6c 6f 20 77'],
    [
      'binary base64',
      Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254, 255, 0, 7, 8, 9, 10, 11]).toString('base64'),
    ],
  ])('ignores %s', (_name, text) => {
    expect(decodedRuns(text)).toEqual([]);
  });

  it('reports the span of the encoded run', () => {
    const encoded = b64('hello, this is text');
    const text = `see ${encoded} ok`;
    const run = decodeCandidate(text, CANDIDATE_BASE64, 4, 4 + encoded.length - 1);
    expect(run).toMatchObject({ kind: 'base64', start: 4, end: 4 + encoded.length });
    expect(decodeCandidate('68 65 6c 6c 6f 20 77 6f', CANDIDATE_HEX_PAIRS, 0, 23)).toMatchObject({
      start: 0,
      end: 23,
    });
  });
});
