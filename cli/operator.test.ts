import { describe, expect, it } from 'vitest';
import { OPERATOR_SETTINGS } from '../operator/settings.ts';
import { captureIo, expectHelpLists } from '../test/support/cli-io.ts';
import { operator } from './operator.ts';

describe('sluice operator', () => {
  it.each(Object.entries(OPERATOR_SETTINGS))(
    '--help lists %s with its flag, variable and default',
    (_key, s) => expectHelpLists(operator, s),
  );

  it.each([
    [['--redis-url', 'redis://r:6379'], 'is required'],
    [['--redis-url', 'redis://r:6379', '--databse-url', 'postgres://d/b'], 'did you mean --database-url?'],
    [['--redis', 'redis://r:6379'], 'did you mean one of --redis-url, --redis-prefix?'],
  ])('exits 2 with SLUICE_CONFIG_INVALID on %j', async (args, detail) => {
    const t = captureIo();
    expect(await operator(args, t.io, {})).toBe(2);
    expect(t.err()).toContain('SLUICE_CONFIG_INVALID');
    expect(t.err()).toContain(detail);
  });
});
