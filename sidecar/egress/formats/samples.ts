/**
 * What every wire format hands the conformance test (formats/conformance.test.ts): a valid
 * request, an answer and a stream built from a given text and usage, and how to read the text
 * back out of its answers and streams. Each format's folder has a `samples.ts` of this shape;
 * only tests import them.
 */
import type { Usage } from '../usage.ts';

export interface FormatSamples {
  /** A request a client of this format may send (system prompt, one user turn, a temperature). */
  request(): Record<string, unknown>;
  /** The same request with a malformed conversation (what checkConversation must refuse). */
  badConversation(): Record<string, unknown>;
  /** The same request with a parameter of the wrong JSON type (what checkParameters must refuse). */
  badParameter(): Record<string, unknown>;
  /** A provider's JSON answer saying `text` with `usage`. */
  answer(text: string, usage: Usage): Record<string, unknown>;
  /** A provider's SSE stream saying `parts` in order, with `usage`, ended by its end marker. */
  stream(parts: string[], usage: Usage): string;
  /** The text of a JSON answer in this format. */
  answerText(answer: unknown): string;
  /** The text of a stream in this format (its SSE events, parsed). */
  streamText(events: { event?: string | undefined; data: string }[]): string;
}
