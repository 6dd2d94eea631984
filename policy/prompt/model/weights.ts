/**
 * The learned layer's weights: a binary file written by train.ts (`make train-screen`) and read
 * once, lazily, the first time a screener scores a text.
 *
 * Layout of screen-model.bin (little-endian):
 *
 *   bytes 0–3    "SLSM" (magic)
 *   bytes 4–7    header length H (uint32)
 *   bytes 8…     H bytes of JSON: ModelHeader
 *   then         2^bits int8 weights (one per hashed feature bucket)
 *
 * A weight w stands for w × header.scale in logit units. The file is the only thing the screener
 * reads from disk, and it reads it from beside this module (the image ships policy/ whole).
 */

import { readFileSync } from 'node:fs';

export const MODEL_FILE = new URL('./screen-model.bin', import.meta.url);
const MAGIC = 'SLSM';

/** Sensitivity levels a policy can choose (spec.screening.sensitivity). */
export const SENSITIVITIES = ['low', 'medium', 'high'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

export interface ModelHeader {
  readonly format: 1;
  /** log2 of the number of buckets. */
  readonly bits: number;
  /** Positions per window: a text is scored by its best window (see model.ts). */
  readonly window: number;
  readonly bias: number;
  /** Logit units per weight unit. */
  readonly scale: number;
  /**
   * Reject when the logit reaches the threshold of the policy's sensitivity. Chosen by train.ts
   * from out-of-fold scores of the training corpus (see docs/prompt-safety.md for the rates).
   */
  readonly thresholds: Readonly<Record<Sensitivity, number>>;
  /** Logits in [unsure, threshold) are "unsure": allowed, but an external guard may be asked. */
  readonly unsure: number;
  /** What the training run saw, for `sluice prompt-check --explain` and reviews. */
  readonly trainedOn: Readonly<Record<string, number | string>>;
}

export interface ModelWeights {
  readonly header: ModelHeader;
  readonly mask: number;
  readonly weights: Int8Array;
}

export function encodeModel(header: ModelHeader, weights: Int8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8 + json.length + weights.length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength).copy(out, 8 + json.length);
  return out;
}

/** The model in `bytes` (a file's contents). The weights are a view of `bytes`: do not reuse it. */
export function decodeModel(bytes: Uint8Array): ModelWeights {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) {
    throw new Error('screen-model.bin: not a screening model (bad magic); run `make train-screen`');
  }
  const length = buf.readUInt32LE(4);
  const header = JSON.parse(buf.toString('utf8', 8, 8 + length)) as ModelHeader;
  if (header.format !== 1) throw new Error(`screen-model.bin: unknown format ${String(header.format)}`);
  const size = 2 ** header.bits;
  const offset = 8 + length;
  if (buf.length !== offset + size) {
    throw new Error(`screen-model.bin: expected ${size} weights, found ${buf.length - offset}`);
  }
  // A view, not a copy: int8 needs no alignment, and the 1 MiB is read once per process.
  const weights = new Int8Array(buf.buffer, buf.byteOffset + offset, size);
  return { header, mask: size - 1, weights };
}

let loaded: ModelWeights | null = null;

/** The committed model, read on first use and kept for the life of the process. */
export function modelWeights(): ModelWeights {
  loaded ??= decodeModel(readFileSync(MODEL_FILE));
  return loaded;
}
