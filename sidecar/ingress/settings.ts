/**
 * The ingress's part of `sluice sidecar`'s settings (composed in sidecar/config/settings.ts;
 * docs/adr/0035-one-settings-table.md): the listeners, the app behind the sidecar, and the limits
 * every request meets before a policy is consulted.
 */
import { setting } from '../../cli/lib/settings/table.ts';

const MS_HOUR = 3_600_000;
const port = (flag: string, def: number, help: string) =>
  setting.int({ flag, default: def, min: 0, max: 65_535, placeholder: 'PORT', help });

export const INGRESS_SETTINGS = {
  host: setting.string({
    flag: 'host',
    default: '0.0.0.0',
    placeholder: 'ADDR',
    help: 'Address the ingress, metrics and admin listeners bind to. 0.0.0.0 in a pod; tests use 127.0.0.1.',
  }),
  port: port('port', 8080, 'Ingress port: clients talk to this. 0 = any free port (tests).'),
  metricsPort: port('metrics-port', 9090, 'Prometheus /metrics port.'),
  adminPort: port('admin-port', 8082, '/healthz, /readyz and GET /policies/:tenantId.'),
  upstream: setting.string({
    flag: 'upstream',
    default: 'http://127.0.0.1:8000',
    placeholder: 'URL',
    help: 'The app beside the sidecar (http:// or https://).',
  }),
  upstreamConnections: setting.int({
    flag: 'upstream-connections',
    default: 128,
    min: 1,
    max: 10_000,
    help: 'Keep-alive connections to the app (undici Pool).',
  }),
  upstreamHeadersTimeoutMs: setting.int({
    flag: 'upstream-headers-timeout-ms',
    default: 60_000,
    min: 1,
    max: MS_HOUR,
    placeholder: 'MS',
    help: "Longest wait for the app's response headers, ms (504 SLUICE_UPSTREAM_TIMEOUT after it).",
  }),
  upstreamBodyTimeoutMs: setting.int({
    flag: 'upstream-body-timeout-ms',
    // LLM answers may pause between tokens; 5 minutes of silence is a dead stream.
    default: 300_000,
    min: 1,
    max: MS_HOUR,
    placeholder: 'MS',
    help: 'Longest silence between two body chunks from the app, ms; SSE answers keep it alive.',
  }),
  clientTimeoutMs: setting.int({
    flag: 'client-timeout-ms',
    // A 1 MB body takes well under a second on any real link; 30 s is generous for mobile clients.
    default: 30_000,
    min: 100,
    max: MS_HOUR,
    placeholder: 'MS',
    help: 'Longest a client may take to send its whole request, ms; then 408 and the connection is closed (slowloris).',
  }),
  bodyLimitBytes: setting.int({
    flag: 'body-limit',
    default: 1_048_576,
    min: 1,
    max: 1_073_741_824,
    placeholder: 'BYTES',
    help: 'Largest request body accepted, bytes (413 SLUICE_BODY_TOO_LARGE).',
  }),
  jsonMaxDepth: setting.int({
    flag: 'json-max-depth',
    // Chat requests with tool schemas nest ~10 deep; 64 leaves room and bounds every recursion.
    default: 64,
    min: 1,
    max: 1_000,
    help: 'Deepest nesting of arrays/objects in a JSON body, ingress and egress (400 SLUICE_BAD_REQUEST).',
  }),
  capFields: setting.list({
    flag: 'cap-fields',
    default: ['top_k'],
    help: "JSON body fields clamped to the tier's topK cap (the policy's caps.fields come on top).",
  }),
} as const;
