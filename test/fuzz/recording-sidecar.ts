/**
 * A real sidecar (file mode, port 0, egress off) in front of the recording app (recorder.ts),
 * with tenants written to a temporary policy folder: `tenantYaml('id', 'key', 'free', spec)`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Settings } from '../../sidecar/config/settings.ts';
import { loadSettings } from '../../sidecar/config/settings.ts';
import { type SidecarHandle, startSidecar } from '../../sidecar/main.ts';
import { type Recorder, startRecorder } from './recorder.ts';

export { tenantYaml } from '../support/tenant-yaml.ts';

export interface RecordingSidecar {
  app: Recorder;
  sidecar: SidecarHandle;
  port: number;
  close(): Promise<void>;
}

export async function startRecordingSidecar(
  tenants: string[],
  overrides: Partial<Settings> = {},
): Promise<RecordingSidecar> {
  const app = await startRecorder();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-recording-'));
  tenants.forEach((yaml, i) => {
    writeFileSync(join(dir, `t${i}.yaml`), yaml);
  });
  const sidecar = await startSidecar(
    loadSettings(
      [],
      {},
      {
        host: '127.0.0.1',
        port: 0,
        metricsPort: 0,
        adminPort: 0,
        egress: 'off',
        upstream: app.url,
        policies: dir,
        ...overrides,
      },
    ),
    { log: pino({ level: 'silent' }) },
  );
  return {
    app,
    sidecar,
    port: sidecar.ports.ingress,
    async close() {
      await sidecar.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
