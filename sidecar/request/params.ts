/**
 * Query strings and application/x-www-form-urlencoded bodies: the same name=value pairs, checked
 * with the same rules as a JSON body (inspect.ts) and rewritten in place. Pure.
 *
 * A parameter is a capped or screened field when its percent-decoded name (`+` is a space;
 * decoded again while it changes, for apps that decode twice: `top%255Fk`), or
 * any part of it split at `[`, `]` and `.`, folds to the field's name: `top_k`, `top%5Fk`,
 * `TOP_K`, `top_k[]`, `options[top_k]`, `options.top_k` (Express's qs reads the last two as
 * nested objects). Every occurrence is checked, so a repeated `?top_k=1&top_k=100` is capped
 * whichever one the app reads. A pair after a `;` (a separator for older Python and Java
 * parsers, not for WHATWG ones) that names a checked field is refused: the sidecar cannot know
 * which reading the app uses. Values of checked fields must decode as UTF-8.
 */
import { SluiceError } from '../../policy/errors.ts';
import { type CapRule, capValue, type FieldRules, type Inspection } from './inspect.ts';
import { foldsTo } from './names.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Percent-decodes (with `+` as a space) into bytes; an invalid `%` escape stays literal. */
function percentBytes(text: string): Buffer {
  const out = Buffer.allocUnsafe(Buffer.byteLength(text));
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2b) {
      out[n++] = 0x20;
    } else if (c === 0x25 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      out[n++] = Number.parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else if (c < 0x80) {
      out[n++] = c;
    } else {
      n += out.write(text[i]!, n);
    }
  }
  return out.subarray(0, n);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * The decoded name, as a lenient reader sees it (invalid UTF-8 becomes U+FFFD). Decoded until it
 * no longer changes (at most 3 times): an app behind a framework that decodes twice reads
 * `top%255Fk` as `top_k`, so the name is checked as that too.
 */
function decodeName(raw: string): string {
  let name = raw;
  for (let i = 0; i < 3 && (name.includes('%') || name.includes('+')); i++) {
    const decoded = percentBytes(name).toString('utf8');
    if (decoded === name) break;
    name = decoded;
  }
  return name;
}

/** The decoded value of a checked field: invalid UTF-8 is refused. */
function decodeValue(raw: string, name: string): string {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    return strictUtf8.decode(percentBytes(raw));
  } catch {
    throw new SluiceError('SLUICE_BAD_REQUEST', `the value of "${name}" is not UTF-8 once percent-decoded`);
  }
}

/** Whether `name`, or a part of it between `[`, `]` and `.`, folds to `folded`. */
export function nameMatches(name: string, folded: string): boolean {
  if (foldsTo(name, folded)) return true;
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = name.charCodeAt(i);
    if (i === name.length || c === 0x5b || c === 0x5d || c === 0x2e) {
      if (i > start && foldsTo(name.slice(start, i), folded)) return true;
      start = i + 1;
    }
  }
  return false;
}

function capRuleFor(name: string, rules: FieldRules): CapRule | null {
  for (const rule of rules.caps) if (nameMatches(name, rule.folded)) return rule;
  return null;
}

function isScreened(name: string, rules: FieldRules): boolean {
  for (const folded of rules.screened) if (nameMatches(name, folded)) return true;
  return false;
}

/**
 * Checks `text` (a query string without the `?`, or a form body): caps clamp in place, screened
 * values go to `out.texts`. Returns the text to forward: `text` itself when nothing changed.
 * `where` prefixes the notes ("?" for the query string, "form:" for a body).
 */
export function checkParams(text: string, rules: FieldRules, out: Inspection, where: string): string {
  if (text === '') return text;
  const pairs = text.split('&');
  let changed = false;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    if (pair === '') continue;
    const semi = pair.indexOf(';');
    if (semi >= 0) {
      for (const part of pair.slice(semi + 1).split(';')) {
        const eq = part.indexOf('=');
        const name = decodeName(eq < 0 ? part : part.slice(0, eq));
        if (capRuleFor(name, rules) || isScreened(name, rules)) {
          throw new SluiceError(
            'SLUICE_BAD_REQUEST',
            `"${name}" follows a ";": separate parameters with "&" so every reader sees the same ones`,
          );
        }
      }
    }
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const name = decodeName(rawName);
    const rule = capRuleFor(name, rules);
    if (rule) {
      const value = decodeValue(rawValue, name);
      const capped = capValue(value, rule, `${where}${name}`);
      if (capped !== undefined) {
        out.notes.push(`${where}${name}=${JSON.stringify(value.slice(0, 40))}->${rule.max}`);
        out.capped.push(rule.name);
        pairs[i] = `${rawName}=${encodeURIComponent(String(capped))}`;
        changed = true;
      }
    }
    if (isScreened(name, rules)) out.texts.push(decodeValue(rawValue, name));
  }
  return changed ? pairs.join('&') : text;
}

/**
 * Path parameters (`/search;top_k=100`, Spring's matrix variables): a parameter there that names a
 * capped or screened field is refused — the sidecar does not rewrite paths, and the app may read it.
 */
export function checkPathParams(path: string, rules: FieldRules): void {
  if (!path.includes(';')) return;
  for (const segment of path.split('/')) {
    const semi = segment.indexOf(';');
    if (semi < 0) continue;
    for (const param of segment.slice(semi + 1).split(/[;,]/)) {
      const eq = param.indexOf('=');
      const name = decodeName(eq < 0 ? param : param.slice(0, eq));
      if (capRuleFor(name, rules) || isScreened(name, rules)) {
        throw new SluiceError(
          'SLUICE_BAD_REQUEST',
          `"${name}" is a path parameter; send it in the query string or the body, where it is checked`,
        );
      }
    }
  }
}
