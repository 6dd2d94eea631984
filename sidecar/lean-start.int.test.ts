/**
 * Only load what runs, Redis mode (the mode the chart injects): the operator validated every
 * policy, so the sidecar loads neither YAML, the schema library (TypeBox, Ajv), CEL nor the file
 * watcher; and it never loads the Kubernetes client (docs/adr/0028-lean-data-plane.md). The
 * prompt screener waits for a request to screen (docs/adr/0031-lean-request-path.md).
 */
import { describe, expect, it } from 'vitest';
import { devEnv } from '../test/harness/env.ts';
import { sidecarModules } from '../test/support/sidecar-modules.ts';

const NOT_IN_REDIS_MODE = [
  'node_modules/yaml/',
  'node_modules/@sinclair/typebox/',
  'node_modules/ajv/',
  'node_modules/@marcbachmann/cel-js/',
  'node_modules/@kubernetes/client-node/',
  'policy/schema/',
  'policy/documents.ts',
  'sidecar/config/file-source.ts',
  // The egress (egress/settings.ts parses flags; egress/breaker.ts serves the guard).
  'sidecar/egress/app.ts',
  'sidecar/egress/routes/',
  'sidecar/egress/providers/',
  'sidecar/egress/translate/',
  'sidecar/egress/formats/',
  'sidecar/egress/budget/',
  // The prompt screener loads on the first screened request (docs/adr/0031-lean-request-path.md).
  'policy/prompt/',
];

describe('what a Redis-mode sidecar loads at start', () => {
  it('loads no policy validation, YAML, Kubernetes client or (egress off) egress', async () => {
    const { redisUrl } = devEnv();
    const loaded = await sidecarModules([
      ...['--redis-url', redisUrl, '--redis-prefix', `lean-start-${process.pid}:`],
      ...['--upstream', 'http://127.0.0.1:9', '--egress', 'off'],
    ]);
    expect(loaded).toContain('sidecar/config/redis-source.ts');
    expect(loaded.filter((m) => NOT_IN_REDIS_MODE.some((prefix) => m.startsWith(prefix)))).toEqual([]);
  }, 60_000);
});
