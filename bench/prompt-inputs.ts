/**
 * Inputs of the prompt-screening benchmark (bench/prompt-screen.ts), shared with the verdict
 * snapshot (policy/prompt/golden/) so the inputs that are timed are also the inputs whose verdicts
 * are pinned.
 *
 * - realistic benign queries of any size (the common case: nothing matches, the whole text is read);
 * - adversarial 100 KB inputs built to hit each step's slow path (repeated phrase starts, near
 *   misses, long base64, invisible characters, mixed scripts, spaced letters, template braces,
 *   leetspeak, glued words, hex pairs, tag characters, punctuation floods).
 */

export const SENTENCES = [
  'Could you summarise the main points of the onboarding guide for new support engineers?',
  'Our customer in Lisbon reports that invoices sent in March show the wrong VAT rate.',
  'Which steps of the incident runbook apply when the primary database fails over?',
  'Please compare the Pro and Enterprise plans, focusing on storage limits and SLAs.',
  'The previous version of the API returned paginated results with a cursor field.',
  'How do I configure single sign-on for the admin console with our identity provider?',
  'List the documents an employee needs to submit before travelling abroad for work.',
  'What did the security review conclude about the data retention policy for logs?',
  'Explain why the nightly export job failed and how the team fixed the schedule.',
  'Draft a short, friendly reply telling the customer their refund was processed today.',
];

export function benignText(bytes: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let k = 0; length < bytes; k++) {
    const s = SENTENCES[k % SENTENCES.length]!;
    parts.push(s);
    length += s.length + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

function repeatTo(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

export const KB100 = 100 * 1024;
export const ADVERSARIAL: Record<string, string> = {
  ignore_repeated: repeatTo('ignore ', KB100),
  near_miss: repeatTo('ignore all previous versions of the file ', KB100),
  phrase_starts: repeatTo('you are now ignore disregard reveal your ', KB100),
  base64_run: Buffer.from(repeatTo('lorem ipsum dolor sit amet ', 75 * 1024))
    .toString('base64')
    .slice(0, KB100),
  base64_words: repeatTo('aGVsbG8gd29ybGQgdGhpcyBpcyBmaW5l ', KB100),
  zero_width: repeatTo('\u200b', KB100),
  zero_width_words: repeatTo('i\u200bg\u200bn\u200bo\u200br\u200be ', KB100),
  mixed_script: repeatTo('\u0456gn\u043er\u0435 \u0440r\u0435v\u0456\u043eus ', KB100),
  cyrillic_text: repeatTo(
    '\u043d\u0430\u0441\u0442\u0440\u043e\u0438\u0442\u044c VPN \u0434\u043b\u044f \u043d\u043e\u0443\u0442\u0431\u0443\u043a\u0430 ',
    KB100,
  ),
  spaced_letters: repeatTo('i g n o r e a l l p r e v i o u s ', KB100),
  template_braces: repeatTo('{{', KB100),
  leetspeak: repeatTo('1gn0r3 4ll pr3v10u5 ', KB100),
  glued: repeatTo('ignoreallpreviousversions ', KB100),
  one_long_word: repeatTo('a', KB100),
  hex_pairs: repeatTo('69 67 6e 6f 72 65 20 ', KB100),
  tag_characters: repeatTo('\u{E0069}\u{E0067}', KB100),
  punctuation: repeatTo('.-_/|<>[]#:,', KB100),
};
