/**
 * multipart/form-data, when a tenant policy accepts it (uploads): the body is forwarded as sent,
 * so its parts cannot be capped or screened in place. Instead every part is read for its name,
 * and a part named like a capped or screened field is refused — those go in the query string or
 * a JSON body, where they are checked. Names are read leniently: every `name=` / `name*=`
 * (RFC 5987 `utf-8''…`) parameter in any header line of any part. A body that does not split
 * into parts on its boundary is refused. Pure.
 */
import { SluiceError } from '../../policy/errors.ts';
import type { FieldRules } from './inspect.ts';
import { nameMatches } from './params.ts';

const PARAM = /(?:^|;)\s*(?:file)?name\s*(\*?)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/gi;

function names(headerLine: string): string[] {
  const out: string[] = [];
  for (const m of headerLine.matchAll(PARAM)) {
    let value = m[2]!.trim();
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    if (m[1] === '*') {
      const quote = value.indexOf("''");
      if (quote >= 0) value = value.slice(quote + 2);
      try {
        value = decodeURIComponent(value);
      } catch {
        // left as sent: a reader that cannot decode it cannot match it either
      }
    }
    out.push(value);
  }
  return out;
}

/** Throws SLUICE_BAD_REQUEST when the body has no parts or a part is named like a checked field. */
export function checkMultipartNames(body: Buffer, boundary: string, rules: FieldRules): void {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let at = body.indexOf(delimiter);
  if (at < 0) throw new SluiceError('SLUICE_BAD_REQUEST', 'the multipart body does not contain its boundary');
  let parts = 0;
  for (;;) {
    const start = at + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing delimiter
    const headersEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(delimiter, start);
    if (headersEnd < 0 || (next >= 0 && next < headersEnd)) {
      throw new SluiceError('SLUICE_BAD_REQUEST', 'a multipart part has no header section');
    }
    parts++;
    for (const line of body.toString('utf8', start, headersEnd).split(/\r?\n/)) {
      for (const name of names(line)) {
        const checked =
          rules.caps.some((r) => nameMatches(name, r.folded)) ||
          rules.screened.some((f) => nameMatches(name, f));
        if (checked) {
          throw new SluiceError(
            'SLUICE_BAD_REQUEST',
            `the multipart part "${name}" is a capped or screened field; send it in the query string or a JSON body`,
          );
        }
      }
    }
    if (next < 0) throw new SluiceError('SLUICE_BAD_REQUEST', 'the multipart body has no closing boundary');
    at = next;
  }
  if (parts === 0) throw new SluiceError('SLUICE_BAD_REQUEST', 'the multipart body has no parts');
}
