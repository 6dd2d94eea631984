import { describe, expect, it } from 'vitest';
import { usageRows } from './usage.ts';

describe('usageRows', () => {
  it('parses provider/model|metric fields and skips junk', () => {
    const rows = usageRows([
      {
        day: '2026-06-01',
        tenantId: 'acme',
        fields: {
          'openai/gpt-4|requests': '3',
          'anthropic/claude-3/5|prompt_tokens': '10',
          'openai/gpt-4|bogus': '1',
          nofield: '2',
          'a/b|requests': '-1',
        },
      },
      { day: 'junk', tenantId: 'x', fields: { 'a/b|requests': '1' } },
    ]);
    expect(rows).toEqual([
      {
        day: '2026-06-01',
        tenantId: 'acme',
        provider: 'openai',
        model: 'gpt-4',
        metric: 'requests',
        value: 3,
      },
      {
        day: '2026-06-01',
        tenantId: 'acme',
        provider: 'anthropic',
        model: 'claude-3/5',
        metric: 'prompt_tokens',
        value: 10,
      },
    ]);
  });
});
