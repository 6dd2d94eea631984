/**
 * The flooded tenant the two limiter benches share (limiter-accuracy.ts, limiter-stress.ts), so
 * their numbers compare: 600 requests per 10 s with a burst of 60, enforced across 4 sidecar
 * replicas that share one Redis.
 */
export const REPLICAS = 4;
export const LIMIT = 600;
export const WINDOW_S = 10;
export const BURST = 60;
