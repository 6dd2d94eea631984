/**
 * Prompt templates: a deliberately tiny language.
 *
 *   literal text {{ name }} more literal text
 *
 * - A placeholder is `{{name}}`, spaces or tabs allowed inside the braces (`{{ query }}`), on one
 *   line. `name` matches ^[a-z][a-z0-9_]{0,63}$ and is in the allowlist: `query`, `context`,
 *   `tenant_name` by default; a policy may allow more names of the same form.
 * - A literal brace is written `{{lbrace}}` or `{{rbrace}}` (reserved names, never variables).
 *   Every other `{` or `}` is an error, so nothing that looks like template syntax from another
 *   engine (Mustache, Handlebars, Jinja, JS template literals) can slip through as literal text
 *   and be read as syntax later by someone else's renderer.
 * - Everything else is an error, reported with offset, line, column and a fix: unknown names,
 *   dots and brackets (`{{user.name}}`, `{{a[0]}}`), filters (`{{query|upper}}`), calls,
 *   `{% %}` and `{# #}`, triple braces, sections and partials (`{{#x}}`, `{{/x}}`, `{{^x}}`,
 *   `{{>x}}`, `{{!x}}`, `{{&x}}`), single braces, `${…}`, unbalanced braces.
 * - Rendering substitutes values in one pass and never re-parses them: a value containing
 *   "{{query}}" stays that literal text. A placeholder without a value is an error, not an
 *   empty string: a prompt silently missing its context is worse than a failed request.
 */

import { SluiceError } from '../errors.ts';
import { nearest } from '../nearest.ts';

export const DEFAULT_TEMPLATE_VARIABLES: readonly string[] = Object.freeze([
  'query',
  'context',
  'tenant_name',
]);

/** Names that stand for a literal brace; they cannot be variables. */
export const RESERVED_TEMPLATE_NAMES: readonly string[] = Object.freeze(['lbrace', 'rbrace']);

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const NAME_CHARS = /^[A-Za-z0-9_]+$/;
const LITERAL_OF: Record<string, string> = { lbrace: '{', rbrace: '}' };

export interface TemplateProblem {
  /** UTF-16 offset into the template source. */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in characters (code points) from the start of the line. */
  readonly column: number;
  readonly message: string;
  readonly fix: string;
}

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string; readonly offset: number }
  | { readonly kind: 'variable'; readonly name: string; readonly offset: number; readonly length: number };

export interface ParsedTemplate {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
  /** Distinct variable names, in order of first use. */
  readonly variables: readonly string[];
}

export interface TemplateOptions {
  /**
   * The complete allowlist; default DEFAULT_TEMPLATE_VARIABLES. Add a policy's names to it.
   * 'any': every well-formed name, for a template checked without its policy (prompt-check).
   */
  readonly allowedVariables?: readonly string[] | 'any';
}

/** SLUICE_TEMPLATE_INVALID with every problem found, not just the first. */
export class TemplateError extends SluiceError {
  readonly problems: readonly TemplateProblem[];

  constructor(problems: readonly TemplateProblem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(
      'SLUICE_TEMPLATE_INVALID',
      first
        ? `line ${first.line}, column ${first.column}: ${first.message}; ${first.fix}${more}`
        : 'invalid template',
    );
    this.problems = Object.freeze([...problems]);
  }
}

export type NameCheck =
  | { readonly valid: true }
  | { readonly valid: false; readonly message: string; readonly fix: string };

/** Whether `name` may be added to a policy's template allowlist. */
export function validateVariableName(name: string): NameCheck {
  if (typeof name !== 'string' || name.length === 0) {
    return { valid: false, message: 'variable name is empty', fix: 'use lowercase letters, digits and _' };
  }
  if (RESERVED_TEMPLATE_NAMES.includes(name)) {
    return { valid: false, message: `"${name}" is reserved for a literal brace`, fix: 'choose another name' };
  }
  if (NAME.test(name)) return { valid: true };
  if (name.length > 64) {
    return {
      valid: false,
      message: `variable name is ${name.length} characters long`,
      fix: 'use at most 64',
    };
  }
  const lower = name.toLowerCase();
  if (NAME.test(lower)) {
    return { valid: false, message: `"${name}" has capital letters`, fix: `write "${lower}"` };
  }
  return {
    valid: false,
    message: `"${name}" is not a valid variable name`,
    fix: 'start with a lowercase letter, then use lowercase letters, digits and _ only',
  };
}

/** The allowed names; null when any well-formed name is allowed. */
function allowlist(options: TemplateOptions | undefined): ReadonlySet<string> | null {
  if (options?.allowedVariables === 'any') return null;
  const names = options?.allowedVariables ?? DEFAULT_TEMPLATE_VARIABLES;
  for (const name of names) {
    const check = validateVariableName(name);
    if (!check.valid)
      throw new SluiceError(
        'SLUICE_POLICY_INVALID',
        `allowed template variable: ${check.message}; ${check.fix}`,
      );
  }
  return new Set(names);
}

interface Scan {
  readonly parts: TemplatePart[];
  readonly problems: TemplateProblem[];
}

function scan(source: string, allowed: ReadonlySet<string> | null): Scan {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const problem = (offset: number, message: string, fix: string): void => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const column = [...source.slice(lineStarts[lo]!, offset)].length + 1;
    problems.push({ offset, line: lo + 1, column, message, fix });
  };
  const allowedList = allowed ? [...allowed].join(', ') : 'any lowercase name';
  let text = '';
  let textStart = 0;
  const flushText = (): void => {
    if (text.length > 0) parts.push({ kind: 'text', text, offset: textStart });
    text = '';
  };
  const endOfLine = (from: number): number => {
    const nl = source.indexOf('\n', from);
    return nl < 0 ? source.length : nl;
  };
  /** Skip to just after `close` on this line, or past the opener when it is not there. */
  const skipTo = (from: number, close: string, fallback: number): number => {
    const at = source.indexOf(close, from);
    return at >= 0 && at < endOfLine(from) ? at + close.length : fallback;
  };

  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === '{') {
      const next = source[i + 1];
      if (next === '{') {
        if (source[i + 2] === '{') {
          problem(i, 'triple braces "{{{" are not supported (no unescaped output)', 'write {{name}}');
          i = skipTo(i + 3, '}}}', i + 3);
          continue;
        }
        i = placeholder(i);
        continue;
      }
      if (next === '%') {
        problem(
          i,
          'template tags "{% … %}" are not supported',
          'use literal text and {{name}} placeholders only',
        );
        i = skipTo(i + 2, '%}', i + 2);
        continue;
      }
      if (next === '#') {
        problem(i, 'comments "{# … #}" are not supported', 'remove the comment');
        i = skipTo(i + 2, '#}', i + 2);
        continue;
      }
      const close = source.indexOf('}', i + 1);
      const inner = close > 0 && close < endOfLine(i) ? source.slice(i + 1, close).trim() : '';
      if (inner.length > 0 && NAME_CHARS.test(inner)) {
        problem(
          i,
          `single braces "{${inner}}" are not a placeholder`,
          `write {{${inner}}}, or {{lbrace}} for a literal {`,
        );
        i = close + 1;
        continue;
      }
      problem(i, 'stray "{"', 'write {{lbrace}} for a literal {');
      i++;
      continue;
    }
    if (c === '$' && source[i + 1] === '{') {
      problem(i, '"${…}" interpolation is not supported', 'write {{name}}');
      i = skipTo(i + 2, '}', i + 2);
      continue;
    }
    if (c === '}') {
      if (source[i + 1] === '}') {
        problem(
          i,
          '"}}" without an opening "{{"',
          'remove it, or write {{rbrace}}{{rbrace}} for literal braces',
        );
        i += 2;
        continue;
      }
      problem(i, 'stray "}"', 'write {{rbrace}} for a literal }');
      i++;
      continue;
    }
    if (text.length === 0) textStart = i;
    // Copy the run up to the next special character at once.
    let j = i + 1;
    while (j < n) {
      const d = source[j]!;
      if (d === '{' || d === '}' || (d === '$' && source[j + 1] === '{')) break;
      j++;
    }
    text += source.slice(i, j);
    i = j;
  }
  flushText();
  return { parts, problems };

  /** Parse `{{ … }}` at `open`; returns the index after it. */
  function placeholder(open: number): number {
    let j = open + 2;
    while (j < n && source[j] !== '}' && source[j] !== '{' && source[j] !== '\n') j++;
    if (j >= n || source[j] !== '}') {
      problem(open, 'unclosed "{{"', 'close the placeholder with }} on the same line');
      return j;
    }
    if (source[j + 1] !== '}') {
      problem(j, 'placeholder closed with a single "}"', 'close it with }}');
      return j + 1;
    }
    const end = j + 2;
    if (source[end] === '}') problem(end, 'stray "}" after a placeholder', 'remove it, or write {{rbrace}}');
    const inner = source.slice(open + 2, j);
    const name = inner.replace(/^[ \t]+|[ \t]+$/g, '');
    const at = open;
    const first = name[0];
    if (name.length === 0)
      problem(at, 'empty placeholder "{{}}"', `write {{name}} with one of: ${allowedList}`);
    else if (first === '#' || first === '^' || first === '/') {
      problem(
        at,
        `sections "{{${first}…}}" are not supported`,
        'templates have no conditionals or loops; use literal text',
      );
    } else if (first === '>')
      problem(at, 'partials "{{>…}}" are not supported', 'paste the text into the template');
    else if (first === '!') problem(at, 'comments "{{!…}}" are not supported', 'remove the comment');
    else if (first === '&' || first === '=')
      problem(at, `"{{${first}…}}" is not supported`, 'write {{name}}');
    else if (name.includes('|')) {
      problem(
        at,
        `filters "{{${name}}}" are not supported`,
        `write {{${name.split('|')[0]!.trim()}}} and transform the value before rendering`,
      );
    } else if (name.includes('.') || name.includes('[') || name.includes(']')) {
      problem(
        at,
        `"{{${name}}}": dots and brackets are not supported`,
        'use a flat name from the allowlist, such as {{context}}',
      );
    } else if (name.includes('(')) problem(at, `"{{${name}}}": calls are not supported`, 'write {{name}}');
    else if (/\s/.test(name)) problem(at, `"{{${name}}}": a placeholder holds one name`, 'write {{name}}');
    else if (name in LITERAL_OF) {
      if (text.length === 0) textStart = open;
      text += LITERAL_OF[name];
    } else if (!NAME.test(name)) {
      const check = validateVariableName(name);
      problem(
        at,
        check.valid ? `invalid name "${name}"` : check.message,
        check.valid ? 'write {{name}}' : check.fix,
      );
    } else if (allowed && !allowed.has(name)) {
      const hint = nearest(name, allowed, 2);
      problem(
        at,
        `unknown variable "${name}"`,
        hint
          ? `did you mean {{${hint}}}? allowed: ${allowedList}`
          : `use one of: ${allowedList}, or add it to the policy's allowed variables`,
      );
    } else {
      flushText();
      parts.push({ kind: 'variable', name, offset: open, length: end - open });
    }
    return end;
  }
}

/** Every problem in `source` (empty when the template is valid). Never throws for a bad template. */
export function checkTemplate(source: string, options?: TemplateOptions): TemplateProblem[] {
  return scan(source, allowlist(options)).problems;
}

/** Parse a template; throws TemplateError (code SLUICE_TEMPLATE_INVALID) listing every problem. */
export function parseTemplate(source: string, options?: TemplateOptions): ParsedTemplate {
  const { parts, problems } = scan(source, allowlist(options));
  if (problems.length > 0) throw new TemplateError(problems);
  const variables: string[] = [];
  for (const part of parts)
    if (part.kind === 'variable' && !variables.includes(part.name)) variables.push(part.name);
  return Object.freeze({ source, parts: Object.freeze(parts), variables: Object.freeze(variables) });
}

/**
 * Substitute `values` in one pass. Values are inserted as they are, never parsed. A variable
 * without a string value throws SLUICE_TEMPLATE_INVALID naming it.
 */
export function renderTemplate(parsed: ParsedTemplate, values: Readonly<Record<string, string>>): string {
  const out: string[] = [];
  for (const part of parsed.parts) {
    if (part.kind === 'text') {
      out.push(part.text);
      continue;
    }
    const value = Object.hasOwn(values, part.name) ? values[part.name] : undefined;
    if (typeof value !== 'string') {
      throw new SluiceError(
        'SLUICE_TEMPLATE_INVALID',
        `no value for {{${part.name}}}: every placeholder needs a string value`,
      );
    }
    out.push(value);
  }
  return out.join('');
}

/**
 * The literal text of a template for screening: every `{{…}}` (valid or not) replaced by spaces
 * of the same length, so offsets stay those of the source and the words either side of a
 * placeholder do not run together. Works on invalid templates too, so `sluice validate` can
 * report syntax problems and screening findings in one pass.
 */
export function templateLiteralText(template: ParsedTemplate | string): string {
  const source = typeof template === 'string' ? template : template.source;
  const out: string[] = [];
  let copied = 0;
  let i = source.indexOf('{{');
  while (i >= 0) {
    const close = source.indexOf('}}', i + 2);
    const nl = source.indexOf('\n', i + 2);
    if (close < 0) break;
    if (nl >= 0 && nl < close) {
      i = source.indexOf('{{', nl);
      continue;
    }
    let end = close + 2;
    while (source[end] === '}') end++;
    out.push(source.slice(copied, i), ' '.repeat(end - i));
    copied = end;
    i = source.indexOf('{{', end);
  }
  out.push(source.slice(copied));
  return out.join('');
}
