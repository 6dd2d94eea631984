/**
 * The mutating admission decision for Pods, pure: inject the Sluice sidecar when the pod or its
 * namespace carries sluice.dev/inject: "true" (label or annotation), never twice, and answer
 * with a JSONPatch. The pod's own "false" wins over its namespace's "true".
 */
import type { SidecarInjection } from '../settings.ts';

export const INJECT_KEY = 'sluice.dev/inject';
export const INJECTED_ANNOTATION = 'sluice.dev/injected';
export const SIDECAR_NAME = 'sluice-sidecar';
/** Label on injected pods: the chart's PodMonitor selects sidecars by it. */
export const INJECTED_LABEL = 'sluice.dev/injected';
/** emptyDir for the sidecar's last-known-good snapshot (--state-dir): it survives container restarts. */
export const STATE_VOLUME = 'sluice-state';
export const STATE_DIR = '/var/lib/sluice';
export const PORTS = { ingress: 8080, metrics: 9090, health: 8082 } as const;
/**
 * NODE_OPTIONS of the sidecar container unless the operator's --sidecar-env sets its own (the
 * chart does, from sidecar.nodeOptions, with this value by default): a 2 MB semi-space instead
 * of Node's 16 MB (x2 spaces, grown at start: most of an idle sidecar's heap), and an old space
 * of half the container's memory limit, which Node reads from the cgroup. Measured in
 * docs/performance.md; docs/adr/0028-lean-data-plane.md.
 */
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=2 --max-old-space-size-percentage=50';

interface Meta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PodLike {
  metadata?: Meta & { name?: string; generateName?: string };
  spec?: {
    containers?: { name: string }[];
    initContainers?: { name: string }[];
    volumes?: { name: string }[];
  };
}

export type JsonPatchOp = { op: 'add' | 'replace'; path: string; value: unknown };

function flag(meta: Meta | undefined): boolean | undefined {
  const v = meta?.labels?.[INJECT_KEY] ?? meta?.annotations?.[INJECT_KEY];
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

export function wantsInjection(pod: PodLike, namespace: Meta | undefined): boolean {
  return flag(pod.metadata) ?? flag(namespace) ?? false;
}

export function sidecarContainer(settings: SidecarInjection, native: boolean): Record<string, unknown> {
  const probe = (path: string, failureThreshold: number) => ({
    httpGet: { path, port: 'sluice-health' },
    periodSeconds: 5,
    timeoutSeconds: 2,
    failureThreshold,
  });
  return {
    name: SIDECAR_NAME,
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    args: [...settings.args],
    ...(native ? { restartPolicy: 'Always' } : {}),
    ports: [
      { name: 'sluice-http', containerPort: PORTS.ingress, protocol: 'TCP' },
      { name: 'sluice-metrics', containerPort: PORTS.metrics, protocol: 'TCP' },
      { name: 'sluice-health', containerPort: PORTS.health, protocol: 'TCP' },
    ],
    env: [
      { name: 'SLUICE_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'SLUICE_POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ...('NODE_OPTIONS' in settings.env ? [] : [{ name: 'NODE_OPTIONS', value: SIDECAR_NODE_OPTIONS }]),
      ...Object.entries(settings.env).map(([name, value]) => ({ name, value })),
    ],
    startupProbe: probe('/healthz', 30),
    readinessProbe: probe('/readyz', 3),
    livenessProbe: probe('/healthz', 3),
    volumeMounts: [{ name: STATE_VOLUME, mountPath: STATE_DIR }],
    resources: { requests: { ...settings.resources.requests }, limits: { ...settings.resources.limits } },
    securityContext: {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/** JSONPatch for the pod, or null when nothing is to be done. */
export function injectionPatch(
  pod: PodLike,
  namespace: Meta | undefined,
  settings: SidecarInjection,
): JsonPatchOp[] | null {
  if (!wantsInjection(pod, namespace)) return null;
  const spec = pod.spec ?? {};
  const present = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].some(
    (c) => c.name === SIDECAR_NAME,
  );
  if (present || pod.metadata?.annotations?.[INJECTED_ANNOTATION]) return null;
  const ops: JsonPatchOp[] = [];
  const container = sidecarContainer(settings, settings.native);
  if (settings.native) {
    // First init container, so it is up before later init containers and the app start.
    if (spec.initContainers && spec.initContainers.length > 0)
      ops.push({ op: 'add', path: '/spec/initContainers/0', value: container });
    else ops.push({ op: 'add', path: '/spec/initContainers', value: [container] });
  } else {
    ops.push({ op: 'add', path: '/spec/containers/-', value: container });
  }
  if (spec.volumes)
    ops.push({ op: 'add', path: '/spec/volumes/-', value: { name: STATE_VOLUME, emptyDir: {} } });
  else ops.push({ op: 'add', path: '/spec/volumes', value: [{ name: STATE_VOLUME, emptyDir: {} }] });
  const escaped = (key: string) => key.replace('/', '~1');
  if (pod.metadata?.labels)
    ops.push({ op: 'add', path: `/metadata/labels/${escaped(INJECTED_LABEL)}`, value: 'true' });
  else ops.push({ op: 'add', path: '/metadata/labels', value: { [INJECTED_LABEL]: 'true' } });
  if (pod.metadata?.annotations)
    ops.push({
      op: 'add',
      path: `/metadata/annotations/${INJECTED_ANNOTATION.replace('/', '~1')}`,
      value: 'true',
    });
  else ops.push({ op: 'add', path: '/metadata/annotations', value: { [INJECTED_ANNOTATION]: 'true' } });
  return ops;
}
