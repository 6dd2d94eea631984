/**
 * The phrase catalogue: every language file, compiled together into one automaton. To add a
 * language, write `xx.ts` with the same shape (see types.ts) and list it here.
 */

import { DE } from './de.ts';
import { EN } from './en.ts';
import { ES } from './es.ts';
import { FR } from './fr.ts';
import { IT } from './it.ts';
import { PT } from './pt.ts';
import { SHARED } from './shared.ts';
import type { PhraseSet } from './types.ts';

export const PHRASE_SETS: readonly PhraseSet[] = [SHARED, EN, DE, ES, FR, PT, IT];

export type { PhraseRule, PhraseSet } from './types.ts';
export { PHRASE_RULES } from './types.ts';
