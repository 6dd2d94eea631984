/** Writes the Grafana dashboard JSON files from panels.ts. Run by `make generate`. */
import { writeFileSync } from 'node:fs';
import { DASHBOARDS, type Dashboard } from './panels.ts';

export function dashboardJson(d: Dashboard): string {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const panels = d.panels.map((p, i) => ({
    id: i + 1,
    type: p.kind,
    title: p.title,
    description: p.description,
    datasource,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    targets: [{ refId: 'A', datasource, expr: p.expr, legendFormat: p.legend }],
    fieldConfig: {
      defaults: {
        unit: p.unit,
        ...(p.stack ? { custom: { stacking: { mode: p.stack, group: 'A' }, fillOpacity: 30 } } : {}),
      },
      overrides: [],
    },
    options:
      p.kind === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'] } }
        : { legend: { displayMode: 'table', placement: 'right' } },
  }));
  const variables: unknown[] = [
    { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' },
  ];
  if (d.tenantVariable) {
    variables.push({
      name: 'tenant',
      label: 'Tenant',
      type: 'query',
      datasource,
      query: { query: 'label_values(sluice_requests_total, tenant)', refId: 'tenant' },
      definition: 'label_values(sluice_requests_total, tenant)',
      refresh: 2,
      sort: 1,
    });
  }
  const dashboard = {
    uid: d.uid,
    title: d.title,
    tags: ['sluice'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: variables },
    panels,
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

if (import.meta.main) {
  for (const d of DASHBOARDS) {
    const url = new URL(d.file, import.meta.url);
    writeFileSync(url, dashboardJson(d));
    console.log(`wrote ${url.pathname}`);
  }
}
