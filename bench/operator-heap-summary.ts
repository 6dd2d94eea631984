/**
 * What the operator's live heap is made of, from a V8 heap snapshot (one JSON line): module
 * source text (by package), compiled code, the policy cache (the JSON texts of
 * operator/kube/trim.ts) and everything else. Take the snapshot of a running operator with
 *
 *   OPERATOR_NODE_FLAGS='--max-semi-space-size=2 --heapsnapshot-signal=SIGUSR2' QUICK=1 make bench-operator
 *   kill -USR2 <operator pid>     # once it has reconciled; writes Heap.*.heapsnapshot in its cwd
 *   npx node --max-old-space-size=4000 bench/operator-heap-summary.ts Heap.*.heapsnapshot
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: operator-heap-summary.ts <file.heapsnapshot>\n');
  process.exit(2);
}
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
  number,
  number,
  number,
];
const mb: Record<string, number> = {};
let policies = 0;
const add = (k: string, bytes: number) => {
  mb[k] = (mb[k] ?? 0) + bytes;
};
for (let i = 0; i < snap.nodes.length; i += fields.length) {
  const type = types[snap.nodes[i + iType]!]!;
  const bytes = snap.nodes[i + iSize]!;
  if (type === 'code') add('compiled_code', bytes);
  else if (type !== 'string') add('objects_and_other', bytes);
  else {
    const text = snap.strings[snap.nodes[i + iName]!]!;
    if (text.startsWith('{"apiVersion":"sluice.dev')) {
      policies++;
      add('policy_cache_json', bytes);
    } else if (
      bytes > 1000 &&
      /BaseAPIRequestFactory|ObservableAPI|rxjsStub|\.\.\/models\//.test(text.slice(0, 300))
    )
      add('source_kubernetes_client_node', bytes);
    else if (bytes > 1000) add('source_other_modules_and_large_strings', bytes);
    else add('small_strings', bytes);
  }
}
const total = Object.values(mb).reduce((a, b) => a + b, 0);
const round = (b: number) => Math.round((b / 1048576) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    bench: 'operator-heap',
    live_heap_mb: round(total),
    ...Object.fromEntries(Object.entries(mb).map(([k, v]) => [`${k}_mb`, round(v)])),
    policy_json_strings: policies,
  })}\n`,
);
