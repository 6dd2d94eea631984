/**
 * Mark ids: the punctuation the phrase matcher can see (lex.ts emits them, phrases ask for them
 * with \\< \\| … , ^ and $). Ids below MARK_COUNT are marks; vocabulary words come after.
 */

export const MARK_LINE = 0;
export const MARK_LT = 1;
export const MARK_GT = 2;
export const MARK_PIPE = 3;
export const MARK_LBRACKET = 4;
export const MARK_RBRACKET = 5;
export const MARK_HASH = 6;
export const MARK_COLON = 7;
export const MARK_SLASH = 8;
export const MARK_COMMA = 9;
/** End of a sentence: `.` `?` `!` `;` and the end of the text. */
export const MARK_END = 10;
export const MARK_COUNT = 11;

/** The character each mark stands for, indexed by mark id (LINE is a line break). */
export const MARK_CHARS = ['\n', '<', '>', '|', '[', ']', '#', ':', '/', ',', '.'] as const;
