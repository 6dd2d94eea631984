/**
 * What the egress does with an upstream SSE stream, event by event: pass it on (same wire
 * format: the event's own data string is re-framed, never re-serialised), or translate it to the
 * client's format. Every translator also picks the usage out of the stream for reconcile.
 */
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

export function openaiErrorEvent(code: string, message: string): string {
  return `data: ${JSON.stringify({ error: { message, type: 'server_error', code } })}\n\n`;
}

export function anthropicErrorEvent(code: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message, code } })}\n\n`;
}
