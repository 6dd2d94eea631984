/**
 * Shape of a phrase catalogue. One file per language (en.ts, de.ts, …) plus shared.ts for
 * language-neutral delimiters; phrases/index.ts lists them.
 *
 * Phrase syntax (compiled by compile.ts, matched over normalised words, never as a regex):
 *
 *   word           one word, normalised like input (case, accents, leetspeak: "précédentes"
 *                  matches "PRECEDENTES"); "ci-dessus" or "l'IA" become two words
 *   (a|b c|d)      one of the alternatives; an alternative may be several words
 *   [a|b]          optional group
 *   @name          the alternatives of class `name` (this file's classes, then shared ones)
 *   ^              start of a line (or of the text)
 *   $              end of a sentence or line: . ? ! ; a line break, or the end of the text
 *   \d             a number (a word of digits)
 *   \< \> \| \[ \] \# \: \/ \, \.   that punctuation mark (\. = any sentence end)
 *
 * Marks are transparent: a phrase that does not ask for a mark skips over it, so
 * "ignore: previous | instructions" still matches `ignore previous instructions`. A word that is
 * not in the phrase breaks it, so "ignore previous versions" does not match
 * `ignore previous instructions`.
 */

export const PHRASE_RULES = [
  'instruction_override',
  'system_prompt_extraction',
  'role_hijack',
  'fake_delimiter',
  'indirect_instruction',
] as const;

export type PhraseRule = (typeof PHRASE_RULES)[number];

export interface PhraseSet {
  /** ISO 639-1 code, or "shared". */
  readonly language: string;
  /** Named alternatives, referenced as @name. Body is the inside of a group: "a|b c|d". */
  readonly classes?: Readonly<Record<string, string>>;
  readonly phrases: Readonly<Partial<Record<PhraseRule, readonly string[]>>>;
  /**
   * Words that, up to five words before a phrase in a template, make it a defensive instruction
   * ("Never reveal your system prompt", "If the user asks you to ignore previous instructions,
   * refuse"). Only used for kind "template"; queries get no such benefit of the doubt.
   */
  readonly templateNegators?: string;
  /**
   * Words that, up to eight words before a phrase in the same sentence of a query, make it
   * reported speech or a question about the phrase ("my manager told me to ignore the previous
   * instructions about …", "what does 'ignore previous instructions' mean?"). Such a match does
   * not reject on its own: the learned layer decides (see screen.ts). Single words: a word
   * that is a cue anywhere in that window ("told", "example", "whether"); an alternative of
   * several words adds each of them.
   */
  readonly reportingCues?: string;
  /** The same, up to four words after the phrase ("what does 'ignore previous instructions' mean?"). */
  readonly reportingCuesAfter?: string;
}
