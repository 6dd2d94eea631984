import { describe, it } from 'vitest';
import { expectHelpLists } from '../test/support/cli-io.ts';
import { describeSettingsTable } from '../test/support/settings-table.ts';
import { promptCheck } from './prompt-check.ts';
import { PROMPT_CHECK_SETTINGS } from './prompt-check-settings.ts';

describeSettingsTable('sluice prompt-check', PROMPT_CHECK_SETTINGS);

describe('sluice prompt-check --help', () => {
  it.each(Object.entries(PROMPT_CHECK_SETTINGS))('lists %s with its flag, variable and default', (_key, s) =>
    expectHelpLists(promptCheck, s),
  );
});
