/**
 * The JSON types a request parameter may be required to have (formats/<name>/parameters.ts),
 * pure. Why they are checked: parameter-types.ts. `null` means "absent", as the OpenAI API
 * documents for its optional parameters.
 */
import { SluiceError } from '../../../policy/errors.ts';

export type Kind = 'number' | 'probability' | 'count' | 'natural' | 'string' | 'stop' | 'strings' | 'object';

const WHAT: Record<Kind, string> = {
  number: 'a number of at least 0',
  probability: 'a number from 0 to 1',
  count: 'a whole number of at least 1',
  natural: 'a whole number of at least 0',
  string: 'a string',
  stop: 'a string or an array of strings',
  strings: 'an array of strings',
  object: 'an object',
};

function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= 0;
    case 'probability':
      return typeof v === 'number' && v >= 0 && v <= 1;
    case 'count':
      return Number.isInteger(v) && (v as number) >= 1;
    case 'natural':
      return Number.isInteger(v) && (v as number) >= 0;
    case 'string':
      return typeof v === 'string';
    case 'stop':
      return typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
    case 'strings':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
  }
}

/** Throws 400 SLUICE_BAD_REQUEST naming the first parameter of `table` in `body` with the wrong type. */
export function checkParameterTable(table: Record<string, Kind>, body: Record<string, unknown>): void {
  for (const name in table) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    const kind = table[name]!;
    if (!fits(kind, value)) throw new SluiceError('SLUICE_BAD_REQUEST', `"${name}" must be ${WHAT[kind]}`);
  }
}
