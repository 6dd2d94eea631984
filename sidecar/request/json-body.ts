/**
 * A JSON request body in one pass: read strictly (strict-json.ts), checked in one walk
 * (inspect.ts), and the bytes for the app. Pure.
 *
 * The bytes are the client's own when the text was canonical (strict-json.ts wasCanonical: no
 * BOM, no escape, every number as JSON.stringify writes it) and no cap changed the value; else
 * JSON.stringify of the checked value. Both read as the same value for any RFC 8259 reader —
 * a decimal or big-integer reader included, since every number token is the same text either way
 * (docs/adr/0038-forward-canonical-bytes.md; the property in json-body.test.ts checks it).
 */
import type { FieldRules, Inspection } from './inspect.ts';
import { inspectJson } from './inspect.ts';
import { readJson, wasCanonical } from './strict-json.ts';

export interface JsonBody {
  /** What the app receives. */
  bytes: Buffer;
  /** The bytes are not the client's (re-serialised). */
  rewritten: boolean;
}

/**
 * Reads, checks and picks the bytes to forward. Caps and screened text go to `out`. Throws
 * JsonReadError (strict-json.ts) and SluiceError (inspect.ts).
 */
export function checkJsonBody(bytes: Buffer, maxDepth: number, rules: FieldRules, out: Inspection): JsonBody {
  const value = readJson(bytes, { maxDepth });
  const canonical = wasCanonical();
  const notes = out.notes.length;
  inspectJson(value, rules, out);
  if (canonical && out.notes.length === notes) return { bytes, rewritten: false };
  return { bytes: Buffer.from(JSON.stringify(value)), rewritten: true };
}
