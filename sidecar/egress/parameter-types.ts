/**
 * The JSON types of the request parameters the egress caps or translates, checked before any
 * provider is called, pure. Like the conversation (message-shape.ts), a parameter of the wrong
 * type is the client's 400 SLUICE_BAD_REQUEST naming it: forwarded, it would be refused by the
 * provider in its own format, or — through translation — silently dropped (`"temperature":"0.2"`
 * is not a number, so the translator would leave it out and the model would run at its default).
 * `null` means "absent", as the OpenAI API documents for its optional parameters.
 *
 * Each format's table lives in its folder (formats/<name>/parameters.ts).
 */
import { wireFormat } from './formats/registry.ts';
import type { WireFormat } from './settings.ts';

/** Throws 400 SLUICE_BAD_REQUEST naming the first parameter of `body` with the wrong type. */
export function checkParameterTypes(format: WireFormat, body: Record<string, unknown>): void {
  wireFormat(format).checkParameters(body);
}
