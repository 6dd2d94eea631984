/**
 * A real sidecar in-process (file mode, examples/tenants, port 0) with the fake RAG app as its
 * upstream and the fake OpenAI / Anthropic servers as its providers, for the fuzz and security
 * tests. The example tenants' plaintext keys are read from the example Secrets.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { startAnthropicFake } from '../../cli/noisy-neighbor/fakes/anthropic-server.ts';
import { type FakeProvider, startOpenAIFake } from '../../cli/noisy-neighbor/fakes/openai-server.ts';
import { type RagApp, startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import { parseYamlDocuments } from '../../policy/documents.ts';
import type { SidecarHandle } from '../../sidecar/main.ts';
import { startTestSidecar } from '../support/sidecar.ts';

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
  const sidecar = await startTestSidecar({
    upstream: app.url,
    policies: { dir: TENANTS_DIR },
    args: [
      ...['--provider', `openai=openai-compatible,${openai.url}`],
      ...['--provider', `anthropic=anthropic,${anthropic.url}`],
      ...(options.args ?? []),
    ],
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    sidecar: sidecar.handle,
    app,
    openai,
    anthropic,
    ingress: sidecar.ingress,
    egress: sidecar.egress,
    admin: sidecar.admin,
    async close() {
      await sidecar.close();
      await Promise.all([app.close(), openai.close(), anthropic.close()]);
    },
  };
}
