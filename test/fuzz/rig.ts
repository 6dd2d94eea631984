/**
 * A real sidecar in-process (file mode, examples/tenants, port 0) with the fake RAG app as its
 * upstream and the fake OpenAI / Anthropic servers as its providers, for the fuzz and security
 * tests. The example tenants' plaintext keys are read from the example Secrets.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { startAnthropicFake } from '../../cli/noisy-neighbor/fakes/anthropic-server.ts';
import { type FakeProvider, startOpenAIFake } from '../../cli/noisy-neighbor/fakes/openai-server.ts';
import { type RagApp, startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import { parseYamlDocuments } from '../../policy/documents.ts';
import { loadSettings } from '../../sidecar/config/settings.ts';
import { type SidecarHandle, startSidecar } from '../../sidecar/main.ts';

export const TENANTS_DIR = fileURLToPath(new URL('../../examples/tenants/', import.meta.url));

/** tenant id → its plaintext API key, from examples/tenants (TenantPolicy + Secret per file). */
export function exampleKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  for (const file of readdirSync(TENANTS_DIR).filter((f) => f.endsWith('.yaml'))) {
    const { objects } = parseYamlDocuments(readFileSync(`${TENANTS_DIR}${file}`, 'utf8'), file);
    let secret: string | undefined;
    let tenant: string | undefined;
    for (const { object } of objects) {
      const o = object as { kind?: string; stringData?: Record<string, string>; spec?: { tenantId: string } };
      if (o.kind === 'Secret') secret = o.stringData?.['api-key']?.trim();
      if (o.kind === 'TenantPolicy') tenant = o.spec?.tenantId;
    }
    if (secret && tenant) keys.set(tenant, secret);
  }
  return keys;
}

export interface SidecarRig {
  sidecar: SidecarHandle;
  app: RagApp;
  openai: FakeProvider;
  anthropic: FakeProvider;
  ingress: string;
  egress: string;
  admin: string;
  close(): Promise<void>;
}

export async function startSidecarRig(options: { log?: Logger; args?: string[] } = {}): Promise<SidecarRig> {
  const [app, openai, anthropic] = await Promise.all([
    startRagApp(),
    startOpenAIFake(),
    startAnthropicFake(),
  ]);
  const settings = loadSettings(
    [
      ...['--provider', `openai=openai-compatible,${openai.url}`],
      ...['--provider', `anthropic=anthropic,${anthropic.url}`],
      ...(options.args ?? []),
    ],
    {},
    {
      host: '127.0.0.1',
      port: 0,
      metricsPort: 0,
      adminPort: 0,
      egressPort: 0,
      upstream: app.url,
      policies: TENANTS_DIR,
    },
  );
  const sidecar = await startSidecar(settings, { log: options.log ?? pino({ level: 'silent' }) });
  return {
    sidecar,
    app,
    openai,
    anthropic,
    ingress: `http://127.0.0.1:${sidecar.ports.ingress}`,
    egress: `http://127.0.0.1:${sidecar.ports.egress}`,
    admin: `http://127.0.0.1:${sidecar.ports.admin}`,
    async close() {
      await sidecar.close();
      await Promise.all([app.close(), openai.close(), anthropic.close()]);
    },
  };
}
