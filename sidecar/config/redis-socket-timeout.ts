/**
 * ioredis's socket inactivity timeout (`socketTimeout`, the sidecar's --redis-command-timeout-ms:
 * docs/adr/0015-exact-under-pressure.md), made blind to this process's own stalls.
 *
 * ioredis arms a plain timer when a command is sent and destroys the connection when it fires
 * before any data. Node runs due timers *before* it reads the sockets in the same turn of the
 * event loop, so after a stall of the process longer than the timeout — a busy machine, a
 * sidecar starting beside 25 runnable processes — the timer fires while Redis's reply is already
 * in the socket buffer, unread: a healthy connection is closed, the limiter's calls in flight are
 * refused as lost (429) and settles in flight are dropped. Measured with a real Redis: PING sent,
 * loop blocked 1 s, timeout 500 ms → "timeout" before "data", every time. A likely cause of the
 * fault suite's one-off `lost=2` at a load average of 19.
 *
 * The replacement below is ioredis 6.0.0's Redis#setSocketTimeout with one change: when the timer
 * fires it looks once more after the sockets are read (setImmediate runs after the poll phase),
 * and closes the connection only if still nothing came. A Redis that really says nothing (paused,
 * half-open) is closed one loop turn later than before. `redis-socket-timeout.int.test.ts` pins
 * the behaviour, and fails if an ioredis upgrade renames what this relies on.
 */
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';

interface RedisInternals {
  stream: Socket;
  socketTimeoutTimer: NodeJS.Timeout | undefined;
  commandQueue: { length: number };
  options: { socketTimeout?: number };
  setSocketTimeout(): void;
}

const proto = Redis.prototype as unknown as RedisInternals;

/** Whether ioredis still has the method this replaces (the test checks it). */
export const patchable = typeof proto.setSocketTimeout === 'function';

if (patchable) {
  proto.setSocketTimeout = function setSocketTimeout(this: RedisInternals) {
    const stream = this.stream;
    const timer = setTimeout(() => {
      setImmediate(() => {
        // Data read meanwhile cleared or re-armed the timer: the connection answered.
        if (this.socketTimeoutTimer !== timer) return;
        this.socketTimeoutTimer = undefined;
        stream.destroy(
          new Error(
            `Socket timeout. Expecting data, but didn't receive any in ${this.options.socketTimeout}ms.`,
          ),
        );
      });
    }, this.options.socketTimeout);
    this.socketTimeoutTimer = timer;
    // As ioredis: runs after its own "data" handler, so the command queue is up to date.
    stream.once('data', () => {
      clearTimeout(this.socketTimeoutTimer);
      this.socketTimeoutTimer = undefined;
      if (this.commandQueue.length === 0) return;
      this.setSocketTimeout();
    });
  };
}
