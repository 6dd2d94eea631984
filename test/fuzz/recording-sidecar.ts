/**
 * A real sidecar (file mode, port 0, egress off) in front of the recording app (recorder.ts),
 * with tenants written to a temporary policy folder: `tenantYaml('id', 'key', 'free', spec)`.
 */
import type { Settings } from '../../sidecar/config/settings.ts';
import type { SidecarHandle } from '../../sidecar/main.ts';
import { startTestSidecar } from '../support/sidecar.ts';
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
  const sidecar = await startTestSidecar({
    upstream: app.url,
    policies: { files: Object.fromEntries(tenants.map((yaml, i) => [`t${i}`, yaml])) },
    settings: { egress: 'off', ...overrides },
  });
  return {
    app,
    sidecar: sidecar.handle,
    port: sidecar.handle.ports.ingress,
    async close() {
      await sidecar.close();
      await app.close();
    },
  };
}
