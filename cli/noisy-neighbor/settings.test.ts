import { describe, expect, it } from 'vitest';
import { captureIo, expectHelpLists } from '../../test/support/cli-io.ts';
import { describeSettingsTable } from '../../test/support/settings-table.ts';
import { noisyNeighbor } from '../noisy-neighbor.ts';
import { RAG_APP_SETTINGS } from './fakes/rag-app.ts';
import { NOISY_NEIGHBOR_SETTINGS } from './settings.ts';

describeSettingsTable('sluice noisy-neighbor', NOISY_NEIGHBOR_SETTINGS);
describeSettingsTable('the fake RAG app (fakes/rag-app.ts)', RAG_APP_SETTINGS);

describe('sluice noisy-neighbor flags', () => {
  it.each(Object.entries(NOISY_NEIGHBOR_SETTINGS))(
    '--help lists %s with its flag, variable and default',
    (_key, s) => expectHelpLists(noisyNeighbor, s),
  );

  it.each([
    [['--out', 'x'], '--scenario (or SLUICE_NOISY_NEIGHBOR_SCENARIO) is required'],
    [['--scenario', 'x', '--out', 'y', '--senario', 'z'], 'did you mean --scenario?'],
    [['--scenario', 'x', '--out', 'y', '--redis', 'redis://r'], 'did you mean --redis-url?'],
    [
      ['--scenario', 'x', '--out', 'y', '--cluster'],
      '--cluster needs --kubeconfig, --redis-url and --database-url',
    ],
    [['--scenario', 'x', '--out', 'y', 'stray'], 'unexpected argument "stray"'],
  ])('exits 2 with SLUICE_CONFIG_INVALID on %j, before running anything', async (args, detail) => {
    const t = captureIo();
    expect(await noisyNeighbor(args, t.io, {})).toBe(2);
    expect(t.err()).toContain('SLUICE_CONFIG_INVALID');
    expect(t.err()).toContain(detail);
  });

  it('QUICK=1 (as the benchmarks read it) is --quick', async () => {
    // A bad QUICK is refused by name instead of read as "not quick".
    const t = captureIo();
    expect(await noisyNeighbor(['--scenario', 'x', '--out', 'y'], t.io, { QUICK: 'yes' })).toBe(2);
    expect(t.err()).toContain('QUICK (--quick)');
  });
});
