/**
 * What the egress does with an upstream SSE stream, event by event: pass it on (same wire
 * format: the event's own data string is re-framed, never re-serialised), or translate it to the
 * client's format (formats/wire-format.ts). Every translator also picks the usage out of the
 * stream for reconcile.
 */
import { createParser } from 'eventsource-parser';
import type { Usage } from '../usage.ts';

export interface StreamTranslator {
  /** One upstream SSE event → bytes for the client ('' drops it). */
  push(event: string | undefined, data: string): string;
  /** The upstream stream ended: what the client still needs (a translated end, nothing for pass-through). */
  finish(): string;
  /** An error event for the client in its own format (SLUICE_STREAM_INTERRUPTED after the first byte). */
  errorEvent(code: string, message: string): string;
  /** Usage as the provider reported it, once seen. */
  readonly usage: Usage | null;
  /** Content deltas seen: the completion-token estimate when a stream breaks before its usage. */
  readonly deltas: number;
  /** The upstream sent its end marker ([DONE] / message_stop). */
  readonly done: boolean;
  /** The upstream sent an error event (its message), e.g. Anthropic `overloaded_error` mid-stream. */
  readonly upstreamError: string | null;
}

/**
 * Two translators in a row, for a client and a provider that are both not the pivot: the
 * provider's events → pivot SSE (`first`) → the client's bytes (`second`). Usage, deltas, the end
 * marker and upstream errors are the provider's (`first`); the error event is the client's.
 */
export function composeTranslators(first: StreamTranslator, second: StreamTranslator): StreamTranslator {
  let out = '';
  const parser = createParser({ onEvent: (e) => (out += second.push(e.event, e.data)) });
  const through = (text: string) => {
    parser.feed(text);
    const chunk = out;
    out = '';
    return chunk;
  };
  return {
    push: (event, data) => through(first.push(event, data)),
    finish: () => through(first.finish()) + second.finish(),
    errorEvent: (code, message) => second.errorEvent(code, message),
    get usage() {
      return first.usage;
    },
    get deltas() {
      return first.deltas;
    },
    get done() {
      return first.done;
    },
    get upstreamError() {
      return first.upstreamError ?? second.upstreamError;
    },
  };
}
