/**
 * The checks on a parsed request body, in one walk over the value the strict reader produced
 * (strict-json.ts): capped fields are clamped in place, screened fields' text is collected for
 * the screener. Pure; the caller serialises the value afterwards, so what the app receives is
 * exactly what was checked (docs/adr/0011-request-integrity.md).
 *
 * Where a capped field is looked for: by default everywhere — every object key, at any depth,
 * inside arrays too (a top-level batch `[{"top_k":100}]`, `{"options":{"top_k":100}}`), whose
 * name folds to the field's name (names.ts). A policy may pin a field to JSON Pointer paths
 * (`/options/top_k`, `*` for any key or index); then only those places are capped.
 *
 * What a capped field may hold:
 *   number          above the cap → the cap; negative → refused (Python's results[:-1] is
 *                   "all but one", not "none")
 *   numeric string  "100", " 100 ", "1e2", "１００" (numeric.ts): above the cap → the cap, as a
 *                   string (the type the client chose); negative → refused; "" → left alone
 *   true / false    read as 1 / 0
 *   null            left alone (the app's default applies)
 *   other string    refused: "100abc" is 100 to JS parseInt, an error to Python — no guessing
 *   array, object   refused: JS reads ["100"] as 100
 * A screened field's text is every string inside it — a string, or each string (keys included)
 * in an array or object — never skipped because it is not a plain string.
 */
import { SluiceError } from '../../policy/errors.ts';
import { foldName, foldsTo } from './names.ts';
import { numericValue } from './numeric.ts';
import { isRawNumber } from './strict-json.ts';

export interface CapRule {
  /** The configured name: notes (`sluice-capped`) and the metric label use it. */
  readonly name: string;
  /** foldName(name). */
  readonly folded: string;
  readonly max: number;
  /** JSON Pointer patterns, split into segments ('*' = any); null = the name at any depth. */
  readonly paths: readonly (readonly string[])[] | null;
}

export interface FieldRules {
  readonly caps: readonly CapRule[];
  /** Folded names of the screened fields. */
  readonly screened: readonly string[];
}

export interface Inspection {
  /** "top_k=100->5", "options.top_k=100->5": what was lowered, where. */
  notes: string[];
  /** The rule name of each note (metrics). */
  capped: string[];
  /** The screened text, one entry per screened field found. */
  texts: string[];
}

export function newInspection(): Inspection {
  return { notes: [], capped: [], texts: [] };
}

/** Splits a JSON Pointer ("/options/*\/top_k") into unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

const stack: (string | number)[] = [];

/** Walks `root` (as strict-json read it): clamps capped fields in place, collects screened text. */
export function inspectJson(root: unknown, rules: FieldRules, out: Inspection): void {
  stack.length = 0;
  walk(root, rules, out);
}

function walk(value: unknown, rules: FieldRules, out: Inspection): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item !== null && typeof item === 'object') {
        stack.push(i);
        walk(item, rules, out);
        stack.pop();
      }
    }
    return;
  }
  if (value === null || typeof value !== 'object' || isRawNumber(value)) return;
  const object = value as Record<string, unknown>;
  for (const key in object) {
    for (let r = 0; r < rules.caps.length; r++) {
      const rule = rules.caps[r]!;
      if (!foldsTo(key, rule.folded) || (rule.paths !== null && !onPath(key, rule.paths))) continue;
      const capped = capValue(object[key], rule, pathText(key));
      if (capped !== undefined) {
        out.notes.push(`${pathText(key)}=${noteValue(object[key])}->${rule.max}`);
        out.capped.push(rule.name);
        object[key] = capped;
      }
    }
    const child = object[key];
    for (let s = 0; s < rules.screened.length; s++) {
      if (foldsTo(key, rules.screened[s]!)) {
        const texts: string[] = [];
        collectText(child, texts);
        if (texts.length > 0) out.texts.push(texts.join('\n'));
        break;
      }
    }
    if (child !== null && typeof child === 'object') {
      stack.push(key);
      walk(child, rules, out);
      stack.pop();
    }
  }
}

function onPath(key: string, paths: readonly (readonly string[])[]): boolean {
  for (const path of paths) {
    if (path.length !== stack.length + 1) continue;
    let ok = true;
    for (let i = 0; i < stack.length && ok; i++) {
      const segment = path[i]!;
      ok = segment === '*' || foldsTo(String(stack[i]), segmentFold(segment));
    }
    const last = path[stack.length]!;
    if (ok && (last === '*' || foldsTo(key, segmentFold(last)))) return true;
  }
  return false;
}

const folds = new Map<string, string>();
function segmentFold(segment: string): string {
  let folded = folds.get(segment);
  if (folded === undefined) {
    folded = foldName(segment);
    if (folds.size < 1_000) folds.set(segment, folded);
  }
  return folded;
}

function pathText(key: string): string {
  return stack.length === 0 ? key : `${stack.join('.')}.${key}`;
}

function noteValue(value: unknown): string {
  if (isRawNumber(value)) return value.rawJSON;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const refuse = (where: string, rule: CapRule, what: string) =>
  new SluiceError('SLUICE_BAD_REQUEST', `"${where}" must be a number from 0 to ${rule.max}, not ${what}`);

/**
 * The value a capped field is replaced with, or undefined when it stays. Throws
 * SLUICE_BAD_REQUEST for values no reader agrees on (see the file comment).
 */
export function capValue(value: unknown, rule: CapRule, where: string): unknown {
  switch (typeof value) {
    case 'number':
      if (value < 0) throw refuse(where, rule, String(value));
      return value > rule.max ? rule.max : undefined;
    case 'string': {
      if (value.trim() === '') return undefined;
      const n = numericValue(value);
      if (n === null) throw refuse(where, rule, `the string ${JSON.stringify(value.slice(0, 40))}`);
      if (n < 0) throw refuse(where, rule, JSON.stringify(value.slice(0, 40)));
      return n > rule.max || Number.isNaN(n) ? String(rule.max) : undefined;
    }
    case 'boolean':
      return (value ? 1 : 0) > rule.max ? rule.max : undefined;
    case 'object': {
      if (value === null) return undefined;
      if (isRawNumber(value)) {
        // Only integers beyond ±2^53 stay raw: always above any cap, or negative.
        if (value.rawJSON.startsWith('-')) throw refuse(where, rule, value.rawJSON);
        return rule.max;
      }
      throw refuse(where, rule, Array.isArray(value) ? 'an array' : 'an object');
    }
    default:
      return undefined;
  }
}

/** Every string inside a value: itself, or (keys and values) of arrays and objects. */
export function collectText(value: unknown, into: string[]): void {
  if (typeof value === 'string') {
    into.push(value);
    return;
  }
  if (value === null || typeof value !== 'object' || isRawNumber(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) collectText(item, into);
    return;
  }
  for (const key in value as Record<string, unknown>) {
    into.push(key);
    collectText((value as Record<string, unknown>)[key], into);
  }
}
