/**
 * A small SVG line chart (no dependency, no script): panels side by side, each with its own y
 * axis, x shared in meaning (bench/e2e.ts: offered calls/s against setup latency and against CPU
 * per call). Pure: numbers in, the SVG text out.
 */

export interface Series {
  name: string;
  /** [x, y]; points with a y that is not finite are left out. */
  points: Array<[number, number]>;
  /** Series of one colour group share a colour (default: each its own). */
  group?: number;
  dashed?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** A log10 y axis (latencies spread over decades). */
  logY?: boolean;
}

const W = 460;
const H = 360;
const M = { left: 60, right: 16, top: 30, bottom: 130 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (n: number): string => String(Math.round(n * 10) / 10);

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function panel(p: Panel, dx: number): string {
  const pts = p.series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!p.logY || y > 0));
  const xs = pts.map(([x]) => x);
  const ty = (y: number): number => (p.logY ? Math.log10(y) : y);
  const ys = pts.map(([, y]) => ty(y));
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(x0 + 1, ...xs);
  const y0 = p.logY ? Math.floor(Math.min(...ys, 0)) : Math.min(0, ...ys);
  const y1 = p.logY ? Math.ceil(Math.max(...ys, y0 + 1)) : Math.max(y0 + 1, ...ys) * 1.05;
  const px = (x: number): number => dx + M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number): number => M.top + (1 - (ty(y) - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(`<text x="${dx + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  parts.push(
    `<rect x="${dx + M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`,
  );
  for (const t of ticks(x0, x1))
    parts.push(
      `<text x="${num(px(t))}" y="${H - M.bottom + 14}" text-anchor="middle" font-size="10">${t}</text>`,
    );
  const yTicks = p.logY
    ? Array.from({ length: y1 - y0 + 1 }, (_, i) => 10 ** (y0 + i))
    : ticks(y0, y1).filter((t) => t <= y1);
  for (const t of yTicks)
    parts.push(
      `<line x1="${dx + M.left}" x2="${dx + W - M.right}" y1="${num(py(t))}" y2="${num(py(t))}" stroke="#eee"/>`,
      `<text x="${dx + M.left - 4}" y="${num(py(t) + 3)}" text-anchor="end" font-size="10">${t}</text>`,
    );
  parts.push(
    `<text x="${dx + W / 2}" y="${H - M.bottom + 30}" text-anchor="middle" font-size="11">${esc(p.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(${dx + 14},${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(p.yLabel)}</text>`,
  );
  p.series.forEach((s, i) => {
    const c = COLOURS[(s.group ?? i) % COLOURS.length] as string;
    const dash = s.dashed === true ? ' stroke-dasharray="5,3"' : '';
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!p.logY || y > 0));
    if (ok.length > 0)
      parts.push(
        `<polyline fill="none" stroke="${c}" stroke-width="1.5"${dash} points="${ok.map(([x, y]) => `${num(px(x))},${num(py(y))}`).join(' ')}"/>`,
        ...ok.map(([x, y]) => `<circle cx="${num(px(x))}" cy="${num(py(y))}" r="2.5" fill="${c}"/>`),
      );
    const lx = dx + M.left + (i % 2) * 190;
    const ly = H - M.bottom + 46 + Math.floor(i / 2) * 13;
    parts.push(
      `<rect x="${lx}" y="${ly - 8}" width="10" height="3" fill="${c}"/><text x="${lx + 14}" y="${ly - 3}" font-size="10">${esc(s.name)}</text>`,
    );
  });
  return parts.join('\n');
}

/** The panels side by side in one SVG document. */
export function chart(title: string, panels: Panel[]): string {
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 20}" viewBox="0 -20 ${width} ${H + 20}" font-family="sans-serif">`,
    `<title>${esc(title)}</title>`,
    `<text x="8" y="-6" font-size="11" fill="#555">${esc(title)}</text>`,
    ...panels.map((p, i) => panel(p, i * W)),
    '</svg>',
    '',
  ].join('\n');
}
