/**
 * `sluice prompt-check`'s settings table (cli/lib/settings/table.ts; docs/cli.md lists it). The
 * variables carry the command's name (SLUICE_PROMPT_CHECK_*): a sidecar's environment must not
 * change what an offline check measures, nor the other way round.
 */

import { DEFAULT_SENSITIVITY, SENSITIVITIES } from '../policy/prompt/index.ts';
import { setting } from './lib/settings/table.ts';

const env = (flag: string) => `SLUICE_PROMPT_CHECK_${flag.replaceAll('-', '_').toUpperCase()}`;

export const PROMPT_CHECK_SETTINGS = {
  jsonl: setting.optional({
    flag: 'jsonl',
    env: env('jsonl'),
    placeholder: 'FILE',
    defaultText: '(stdin)',
    help: 'Read the JSON lines from FILE instead of stdin.',
  }),
  summary: setting.bool({
    flag: 'summary',
    env: env('summary'),
    default: false,
    help: 'At the end, precision, recall and false-positive rate over the labelled lines, overall and per "lang" and "category".',
  }),
  explain: setting.bool({
    flag: 'explain',
    env: env('explain'),
    default: false,
    help: "Add to each line which layer fired, the phrase or the model's top features, the score and the normalised text.",
  }),
  sensitivity: setting.enum({
    flag: 'sensitivity',
    env: env('sensitivity'),
    values: SENSITIVITIES,
    default: DEFAULT_SENSITIVITY,
    help: "The learned layer's threshold, as a policy's screening.sensitivity.",
  }),
  phrasesOnly: setting.bool({
    flag: 'phrases-only',
    env: env('phrases-only'),
    default: false,
    help: 'Hidden characters and the phrase set only (no learned layer).',
  }),
  model: setting.optional({
    flag: 'model',
    env: env('model'),
    placeholder: 'FILE',
    defaultText: '(the committed model)',
    help: 'Learned-layer weights from FILE (written by policy/prompt/model/train.ts --out FILE).',
  }),
  quiet: setting.bool({
    flag: 'quiet',
    env: env('quiet'),
    default: false,
    help: 'No per-line output (summary lines only).',
  }),
  denyPhrases: setting.multi({
    flag: 'deny-phrase',
    env: env('deny-phrases'),
    placeholder: 'TEXT',
    help: 'An extra phrase to reject, as a policy\'s denyPhrases (in the variable, phrases are separated by ";").',
  }),
} as const;
