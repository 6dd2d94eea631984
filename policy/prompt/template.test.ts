import { describe, expect, it } from 'vitest';
import {
  checkTemplate,
  DEFAULT_TEMPLATE_VARIABLES,
  parseTemplate,
  renderTemplate,
  TemplateError,
  templateLiteralText,
  validateVariableName,
} from './template.ts';

describe('parseTemplate', () => {
  it.each([
    ['literal text only', 'Answer briefly.', []],
    ['one placeholder', 'Q: {{query}}', ['query']],
    ['spaces inside the braces', 'Q: {{ query }} C: {{\tcontext\t}}', ['query', 'context']],
    ['every default variable', '{{tenant_name}} {{context}} {{query}}', ['tenant_name', 'context', 'query']],
    ['a repeated variable is listed once', '{{query}} and again {{query}}', ['query']],
    ['literal braces by name', 'JSON: {{lbrace}}"a": 1{{rbrace}}', []],
    ['a lone dollar sign', 'Costs $5, or {{query}}', ['query']],
    ['unicode text', 'Réponds à {{query}} — 日本語', ['query']],
  ])('accepts %s', (_name, source, variables) => {
    expect(parseTemplate(source).variables).toEqual(variables);
  });

  it('allows extra names from the policy', () => {
    const parsed = parseTemplate('{{product}}: {{query}}', {
      allowedVariables: [...DEFAULT_TEMPLATE_VARIABLES, 'product'],
    });
    expect(parsed.variables).toEqual(['product', 'query']);
  });

  it('throws SLUICE_TEMPLATE_INVALID with every problem', () => {
    let error: unknown;
    try {
      parseTemplate('{{user.name}} and {{query|upper}}\n{x}');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({ code: 'SLUICE_TEMPLATE_INVALID' });
    expect((error as TemplateError).problems.map((p) => [p.line, p.column])).toEqual([
      [1, 1],
      [1, 19],
      [2, 1],
    ]);
  });

  it('rejects an invalid name in the allowlist itself', () => {
    expect(() => parseTemplate('{{query}}', { allowedVariables: ['Bad-Name'] })).toThrow(
      expect.objectContaining({ code: 'SLUICE_POLICY_INVALID' }),
    );
  });
});

describe('checkTemplate', () => {
  // [name, source, offset, line, column]
  it.each([
    ['unknown variable', 'Hi {{user}}', 3, 1, 4],
    ['dotted path', '{{user.name}}', 0, 1, 1],
    ['brackets', '{{a[0]}}', 0, 1, 1],
    ['filter', 'x {{query|upper}}', 2, 1, 3],
    ['call', '{{upper(query)}}', 0, 1, 1],
    ['two names', '{{query context}}', 0, 1, 1],
    ['Jinja tag', 'a {% if x %} b', 2, 1, 3],
    ['Jinja comment', '{# note #}', 0, 1, 1],
    ['triple braces', '{{{query}}}', 0, 1, 1],
    ['section', '{{#items}}', 0, 1, 1],
    ['section end', '{{/items}}', 0, 1, 1],
    ['inverted section', '{{^items}}', 0, 1, 1],
    ['partial', '{{>footer}}', 0, 1, 1],
    ['mustache comment', '{{! note }}', 0, 1, 1],
    ['unescaped output', '{{&query}}', 0, 1, 1],
    ['single-brace placeholder', 'Q: {query}', 3, 1, 4],
    ['stray open brace', 'a { b', 2, 1, 3],
    ['stray close brace', 'a } b', 2, 1, 3],
    ['closing braces without opening', 'a }} b', 2, 1, 3],
    ['JS interpolation', 'Q: ${query}', 3, 1, 4],
    ['unclosed placeholder', 'Q: {{query', 3, 1, 4],
    ['unclosed before a new line', 'Q: {{query\n}}', 3, 1, 4],
    ['single closing brace', 'Q: {{query}', 10, 1, 11],
    ['empty placeholder', 'Q: {{ }}', 3, 1, 4],
    ['capital letters', '{{Query}}', 0, 1, 1],
    ['name starting with a digit', '{{1st}}', 0, 1, 1],
    ['name too long', `{{${'a'.repeat(65)}}}`, 0, 1, 1],
    ['position on a later line', 'line one\nline two {{bad}}', 18, 2, 10],
    ['column counts characters, not UTF-16 units', '😀 {{bad}}', 3, 1, 3],
  ])('reports %s with its position', (_name, source, offset, line, column) => {
    const problems = checkTemplate(source);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ offset, line, column });
    expect(problems[0]!.message.length).toBeGreaterThan(0);
    expect(problems[0]!.fix.length).toBeGreaterThan(0);
  });

  it('reports all problems, not just the first', () => {
    const problems = checkTemplate('{{a}} {x} ${y} {{query|z}} }');
    expect(problems.map((p) => p.offset)).toEqual([0, 6, 10, 15, 27]);
  });

  it('suggests the closest allowed name', () => {
    expect(checkTemplate('{{qurey}}')[0]!.fix).toContain('{{query}}');
  });

  it('returns nothing for a valid template', () => {
    expect(checkTemplate('Context: {{context}}\nQuestion: {{ query }}')).toEqual([]);
  });
});

describe('renderTemplate', () => {
  it('substitutes values in one pass', () => {
    const parsed = parseTemplate('Q: {{query}} / C: {{ context }}');
    expect(renderTemplate(parsed, { query: 'why?', context: 'docs' })).toBe('Q: why? / C: docs');
  });

  it.each([
    ['a placeholder', '{{context}}'],
    ['a brace name', '{{lbrace}}'],
    ['template syntax of other engines', '{% raw %}{{#each}}${x}'],
  ])('never re-parses a value containing %s', (_name, value) => {
    const parsed = parseTemplate('[{{query}}]');
    expect(renderTemplate(parsed, { query: value, context: 'SECRET' })).toBe(`[${value}]`);
  });

  it('renders literal braces', () => {
    expect(renderTemplate(parseTemplate('{{lbrace}}{{query}}{{rbrace}}'), { query: 'x' })).toBe('{x}');
  });

  it.each([
    ['missing', {}],
    ['not a string', { query: 42 as unknown as string }],
  ])('throws SLUICE_TEMPLATE_INVALID when a value is %s', (_name, values) => {
    expect(() => renderTemplate(parseTemplate('{{query}}'), values)).toThrow(
      expect.objectContaining({ code: 'SLUICE_TEMPLATE_INVALID' }),
    );
  });

  it('does not read inherited properties as values', () => {
    const parsed = parseTemplate('{{query}}');
    const values = Object.create({ query: 'inherited' }) as Record<string, string>;
    expect(() => renderTemplate(parsed, values)).toThrow(
      expect.objectContaining({ code: 'SLUICE_TEMPLATE_INVALID' }),
    );
  });
});

describe('validateVariableName', () => {
  it.each([['query'], ['product_2'], ['a'], ['x'.repeat(64)]])('accepts %s', (name) => {
    expect(validateVariableName(name)).toEqual({ valid: true });
  });

  it.each([
    [''],
    ['Query'],
    ['2x'],
    ['_x'],
    ['a-b'],
    ['a.b'],
    ['x'.repeat(65)],
    ['lbrace'],
    ['rbrace'],
    ['ü'],
  ])('rejects %j with a fix', (name) => {
    const check = validateVariableName(name);
    expect(check.valid).toBe(false);
    if (!check.valid) expect(check.fix.length).toBeGreaterThan(0);
  });
});

describe('templateLiteralText', () => {
  it('masks placeholders with spaces so offsets are kept', () => {
    const source = 'Q: {{query}} C: {{ context }}!';
    const masked = templateLiteralText(parseTemplate(source));
    expect(masked).toBe(`Q: ${' '.repeat(9)} C: ${' '.repeat(13)}!`);
    expect(masked.length).toBe(source.length);
  });

  it('masks invalid templates too', () => {
    expect(templateLiteralText('a {{bad.name}} b {{{x}}} c')).toBe(
      `a ${' '.repeat(12)} b ${' '.repeat(7)} c`,
    );
  });
});

describe("allowedVariables: 'any' (a template checked without its policy)", () => {
  it.each([
    ['Hi {{company}}, context: {{retrieved_chunks}}', 0],
    ['Hi {{Company}}', 1],
    ['Hi {{user.name}}', 1],
    ['Hi {{company', 1],
  ])('%s has %i problem(s)', (source, count) => {
    expect(checkTemplate(source, { allowedVariables: 'any' })).toHaveLength(count);
  });
});
