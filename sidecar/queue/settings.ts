/**
 * The fair queue's part of `sluice sidecar`'s settings (composed in sidecar/config/settings.ts;
 * docs/adr/0035-one-settings-table.md).
 */
import { setting } from '../../cli/lib/settings/table.ts';

export const QUEUE_SETTINGS = {
  maxConcurrency: setting.int({
    flag: 'max-concurrency',
    default: 64,
    min: 1,
    max: 100_000,
    help: 'Requests in flight to the app at once; more wait in the fair queue.',
  }),
  reservedSharePercent: setting.int({
    flag: 'reserved-share',
    // 25%: with 8 seats, 2 stay free for enterprise while free floods (docs/adr/0010).
    default: 25,
    min: 0,
    max: 90,
    placeholder: 'PERCENT',
    help: 'Share of --max-concurrency (percent, rounded down to whole seats) only the highest tier seen may take. 0 = off.',
  }),
} as const;
