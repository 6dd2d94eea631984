/**
 * Prompt screening's part of `sluice sidecar`'s settings (composed in sidecar/config/settings.ts;
 * docs/adr/0035-one-settings-table.md). What is screened and how is the tenant's policy.
 */
import { setting } from '../../cli/lib/settings/table.ts';

export const SCREENING_SETTINGS = {
  queryField: setting.string({
    flag: 'query-field',
    default: 'query',
    placeholder: 'FIELD',
    help: 'JSON body field passed to prompt screening.',
  }),
} as const;
