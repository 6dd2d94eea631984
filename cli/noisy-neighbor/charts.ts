/**
 * Hand-drawn SVG charts for the report (no chart library: two small charts, no browser needed to
 * render them, and the HTML stays one self-contained file). Pure: data in, SVG text out.
 */
const PALETTE = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
const HEAVY = '#d62728';

export interface Series {
  tenant: string;
  points: { tMs: number; p95Ms: number }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function color(tenant: string, index: number, heavy: string): string {
  return tenant === heavy ? HEAVY : PALETTE[index % PALETTE.length]!;
}

/** Latency over time: one panel per run (without / with Sluice), one line per tenant. */
export function latencyChart(
  panels: { title: string; series: Series[] }[],
  heavy: string,
  sloMs: number,
): string {
  const width = 460;
  const height = 260;
  const pad = { left: 56, right: 12, top: 28, bottom: 36 };
  const maxT = Math.max(1, ...panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q.tMs))));
  const maxY = Math.max(
    sloMs * 1.1,
    ...panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q.p95Ms))),
  );
  const x = (t: number) => pad.left + (t / maxT) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / maxY) * (height - pad.top - pad.bottom);
  const tenants = [...new Set(panels.flatMap((p) => p.series.map((s) => s.tenant)))];
  const body = panels
    .map((panel, i) => {
      const lines = panel.series
        .filter((s) => s.points.length > 0)
        .map((s) => {
          const points = s.points.map((q) => `${x(q.tMs).toFixed(1)},${y(q.p95Ms).toFixed(1)}`).join(' ');
          const c = color(s.tenant, tenants.indexOf(s.tenant), heavy);
          return `<polyline class="series" data-tenant="${esc(s.tenant)}" fill="none" stroke="${c}" stroke-width="2" points="${points}"/>`;
        })
        .join('');
      const ticks = [0, 0.25, 0.5, 0.75, 1]
        .map((f) => {
          const v = maxY * f;
          return `<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${Math.round(v / 100) / 10}s</text><line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`;
        })
        .join('');
      const slo = `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(sloMs)}" y2="${y(sloMs)}" stroke="#999" stroke-dasharray="4 3"/><text x="${width - pad.right}" y="${y(sloMs) - 4}" text-anchor="end" font-size="10" fill="#666">SLO p95 ${sloMs / 1000}s</text>`;
      return `<g transform="translate(${i * width},0)"><text x="${pad.left}" y="16" font-size="13" font-weight="bold">${esc(panel.title)}</text>${ticks}${slo}<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#333"/><line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#333"/><text x="${(width + pad.left) / 2}" y="${height - 8}" text-anchor="middle" font-size="10">seconds into the phase (p95 per bucket)</text>${lines}</g>`;
    })
    .join('');
  const legend = tenants
    .map(
      (t, i) =>
        `<g transform="translate(${pad.left + i * 150},${height + 6})"><rect width="12" height="12" fill="${color(t, i, heavy)}"/><text x="16" y="10" font-size="11">${esc(t)}</text></g>`,
    )
    .join('');
  const w = width * panels.length;
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="latency" width="${w}" height="${height + 24}" viewBox="0 0 ${w} ${height + 24}" font-family="sans-serif">${body}${legend}</svg>\n`;
}

/** Admitted versus rejected per tenant, one group per run. */
export function admissionChart(
  runs: { title: string; tenants: { tenant: string; ok: number; rejected: number }[] }[],
  heavy: string,
): string {
  const barW = 22;
  const gap = 14;
  const pad = { left: 48, top: 28, bottom: 72 };
  const height = 280;
  const maxV = Math.max(1, ...runs.flatMap((r) => r.tenants.map((t) => t.ok + t.rejected)));
  const plotH = height - pad.top - pad.bottom;
  let x = pad.left;
  const groups = runs
    .map((run) => {
      const start = x;
      const bars = run.tenants
        .map((t) => {
          const okH = (t.ok / maxV) * plotH;
          const rejH = (t.rejected / maxV) * plotH;
          const base = height - pad.bottom;
          const label = `<text transform="translate(${x + barW / 2},${base + 8}) rotate(40)" font-size="10"${t.tenant === heavy ? ` fill="${HEAVY}"` : ''}>${esc(t.tenant)}</text>`;
          const bar = `<rect class="bar admitted" data-tenant="${esc(t.tenant)}" x="${x}" y="${base - okH}" width="${barW}" height="${okH.toFixed(1)}" fill="#2ca02c"><title>${esc(t.tenant)}: ${t.ok} admitted</title></rect><rect class="bar rejected" data-tenant="${esc(t.tenant)}" x="${x}" y="${base - okH - rejH}" width="${barW}" height="${rejH.toFixed(1)}" fill="#d62728"><title>${esc(t.tenant)}: ${t.rejected} rejected or failed</title></rect>`;
          x += barW + gap;
          return bar + label;
        })
        .join('');
      const title = `<text x="${start}" y="16" font-size="13" font-weight="bold">${esc(run.title)}</text>`;
      x += gap * 2;
      return title + bars;
    })
    .join('');
  const width = x + 20;
  const axis = `<line x1="${pad.left - 6}" x2="${pad.left - 6}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#333"/><text x="${pad.left - 10}" y="${pad.top + 4}" text-anchor="end" font-size="10">${maxV}</text><text x="${pad.left - 10}" y="${height - pad.bottom}" text-anchor="end" font-size="10">0</text>`;
  const legend = `<g transform="translate(${pad.left},${height - 14})"><rect width="12" height="12" fill="#2ca02c"/><text x="16" y="10" font-size="11">admitted (2xx)</text><rect x="130" width="12" height="12" fill="#d62728"/><text x="146" y="10" font-size="11">rejected or failed</text></g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="admission" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${axis}${groups}${legend}</svg>\n`;
}
