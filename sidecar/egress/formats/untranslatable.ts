/** What a translation between two wire formats cannot carry (formats/wire-format.ts). */
import { SluiceError } from '../../../policy/errors.ts';

/**
 * A request the other provider's format cannot express: the client's 400, thrown before any
 * provider is called (so it never reaches a breaker). Anything else a translator throws is a
 * Sluice bug (500 SLUICE_INTERNAL).
 */
export function untranslatable(what: string): SluiceError {
  return new SluiceError(
    'SLUICE_BAD_REQUEST',
    `${what} cannot be translated between providers; send text content only, or pin a model of the same format`,
  );
}

/** Joins the text of content (a string or text parts); anything else cannot be translated. */
export function textOf(content: unknown): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw untranslatable(`content of type ${typeof content}`);
  let out = '';
  for (const part of content as unknown[]) {
    const p = part as { type?: unknown; text?: unknown } | null;
    if (!p || typeof p !== 'object' || p.type !== 'text' || typeof p.text !== 'string') {
      throw untranslatable(
        `a content part of type ${JSON.stringify(String(p && typeof p === 'object' ? p.type : typeof p))}`,
      );
    }
    out += p.text;
  }
  return out;
}
