/**
 * The strict JSON reader (sidecar/request/strict-json.ts) against the native JSON.parse, and the
 * whole ingress check (read + caps/screening walk + JSON.stringify) against what the sidecar did
 * before (JSON.parse, forward the bytes). Prints ONE JSON line; never passes or fails on time.
 *
 *   npx node bench/strict-json.ts          full run
 *   QUICK=1 npx node bench/strict-json.ts  short run
 *
 * Bodies: a RAG query (~200 B), a chat request with history (~2 KB), a chat request with a long
 * context (~20 KB), and a batch of 200 small objects (~30 KB, many keys and numbers). Both sides
 * run in the same process, interleaved, after a warm-up; ns per body is the median of rounds.
 */

import { type FieldRules, inspectJson, newInspection } from '../sidecar/request/inspect.ts';
import { foldName } from '../sidecar/request/names.ts';
import { readJson } from '../sidecar/request/strict-json.ts';

const QUICK = process.env['QUICK'] === '1';
const ROUNDS = QUICK ? 5 : 15;
const BUDGET_MS = QUICK ? 20 : 100;

const sentence =
  'What does clause 14.2 of the master services agreement say about termination for convenience? ';
const BODIES: Record<string, Buffer> = {
  query_200b: Buffer.from(JSON.stringify({ query: sentence.repeat(1), top_k: 5, filters: { lang: 'en' } })),
  chat_2kb: Buffer.from(
    JSON.stringify({
      model: 'default',
      temperature: 0.2,
      max_tokens: 512,
      messages: Array.from({ length: 10 }, (_, i) => ({
        role: i % 2 ? 'assistant' : 'user',
        content: sentence.repeat(2),
      })),
    }),
  ),
  context_20kb: Buffer.from(
    JSON.stringify({
      query: sentence,
      top_k: 8,
      context: Array.from({ length: 40 }, (_, i) => ({ id: i, text: sentence.repeat(5) })),
    }),
  ),
  batch_30kb: Buffer.from(
    JSON.stringify(
      Array.from({ length: 200 }, (_, i) => ({
        id: i,
        score: i / 7,
        top_k: i % 9,
        tags: ['a', 'b'],
        ok: true,
      })),
    ),
  ),
};

const rules: FieldRules = {
  caps: [{ name: 'top_k', folded: foldName('top_k'), max: 5, paths: null }],
  screened: [foldName('query')],
};

/** Median ns per call of `fn` over ROUNDS rounds of ~BUDGET_MS each. */
function measure(fn: () => unknown): number {
  const perCall: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(BUDGET_MS * 1e6);
    let now = start;
    while (now < end) {
      for (let i = 0; i < 50; i++) fn();
      n += 50;
      now = process.hrtime.bigint();
    }
    perCall.push(Number(now - start) / n);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)]!;
}

let sink: unknown;
const result: Record<string, number | string | boolean> = { bench: 'strict-json', quick: QUICK };
for (const [name, bytes] of Object.entries(BODIES)) {
  const native = () => {
    sink = JSON.parse(bytes.toString('utf8'));
  };
  const strict = () => {
    sink = readJson(bytes, { maxDepth: 64 });
  };
  const before = () => {
    sink = JSON.parse(bytes.toString('utf8'));
    return bytes; // forwarded as received
  };
  const now = () => {
    const value = readJson(bytes, { maxDepth: 64 });
    inspectJson(value, rules, newInspection());
    sink = Buffer.from(JSON.stringify(value));
  };
  for (const fn of [native, strict, before, now]) measure(fn); // warm-up
  const n = measure(native);
  const s = measure(strict);
  const b = measure(before);
  const c = measure(now);
  result[`${name}_bytes`] = bytes.length;
  result[`${name}_json_parse_ns`] = Math.round(n);
  result[`${name}_strict_ns`] = Math.round(s);
  result[`${name}_strict_vs_json_parse`] = Number((s / n).toFixed(2));
  result[`${name}_strict_mb_s`] = Math.round(bytes.length / (s / 1e9) / 1e6);
  result[`${name}_ingress_before_ns`] = Math.round(b);
  result[`${name}_ingress_now_ns`] = Math.round(c);
}
void sink;
process.stdout.write(`${JSON.stringify(result)}\n`);
