/**
 * The report's charts: plain SVG strings, drawn here (no charting library, nothing loaded at view
 * time). Every text that reaches the markup goes through `esc`; colours and sizes are attributes,
 * never `style` (the report's Content-Security-Policy allows no inline style attributes).
 */

/** Escapes text for HTML and SVG content and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"));
}

/** Colours by meaning, shared by charts and the legend. */
export const COLORS = {
  kept: "#3b82a0",
  removed: "#d1495b",
  other: "#edae49",
  shadow: "#b8c4cc",
  grid: "#d8dde2",
  text: "#24313d",
  threshold: "#111111",
} as const;

/** A compact number: 1234 → 1,234; 0.12345 → 0.123. */
export function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(0) : abs >= 1 ? n.toFixed(2).replace(/\.?0+$/, "") : n.toPrecision(3).replace(/\.?0+$/, "");
}

/** A share as a percentage. */
export function pct(part: number, whole: number): string {
  if (whole === 0) return "—";
  const p = (100 * part) / whole;
  return `${p === 0 ? "0" : p < 0.1 ? "<0.1" : p >= 99.95 && part < whole ? ">99.9" : p.toFixed(1)}%`;
}

/** One horizontal stacked bar per row (e.g. a stage: kept, removed), with a label and the counts. */
export function stackedBars(
  rows: readonly { label: string; parts: readonly { value: number; color: string; title: string }[]; note: string }[],
  options: { width?: number; labelWidth?: number; scale?: number } = {},
): string {
  const width = options.width ?? 860;
  const labelWidth = options.labelWidth ?? 170;
  const noteWidth = 240;
  const barWidth = width - labelWidth - noteWidth;
  const rowHeight = 22;
  const max = options.scale ?? Math.max(1, ...rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0)));
  const height = rows.length * rowHeight + 4;
  const out: string[] = [`<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" xmlns="http://www.w3.org/2000/svg">`];
  rows.forEach((row, i) => {
    const y = i * rowHeight + 2;
    out.push(`<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12" fill="${COLORS.text}">${esc(row.label)}</text>`);
    let x = labelWidth;
    for (const part of row.parts) {
      const w = (part.value / max) * barWidth;
      if (w > 0) out.push(`<rect x="${x.toFixed(2)}" y="${y + 3}" width="${Math.max(w, 0.8).toFixed(2)}" height="${rowHeight - 6}" fill="${part.color}"><title>${esc(part.title)}</title></rect>`);
      x += w;
    }
    out.push(`<text x="${labelWidth + barWidth + 8}" y="${y + 15}" font-size="12" fill="${COLORS.text}">${esc(row.note)}</text>`);
  });
  out.push("</svg>");
  return out.join("");
}

/** A histogram bin: counts per category. */
export interface Bin {
  readonly from: number;
  readonly to: number;
  readonly counts: readonly number[];
}

/**
 * A histogram with stacked categories, the thresholds drawn as vertical lines, and the x axis in
 * the signal's units (`log`: the axis is log10(1 + x)).
 */
export function histogram(
  bins: readonly Bin[],
  categories: readonly { name: string; color: string }[],
  thresholds: readonly { value: number; label: string }[],
  options: { log: boolean; width?: number; height?: number; axisLabel: string },
): string {
  const width = options.width ?? 460;
  const height = options.height ?? 190;
  const left = 44;
  const right = 24;
  const top = 18;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const first = bins[0];
  const last = bins[bins.length - 1];
  if (first === undefined || last === undefined) return "";
  const t = (x: number): number => (options.log ? Math.log10(1 + Math.max(0, x)) : x);
  const lo = t(first.from);
  const hi = t(last.to) > lo ? t(last.to) : lo + 1;
  const xOf = (x: number): number => left + ((t(x) - lo) / (hi - lo)) * plotW;
  const maxCount = Math.max(1, ...bins.map((b) => b.counts.reduce((a, c) => a + c, 0)));
  const yOf = (c: number): number => top + plotH - (c / maxCount) * plotH;
  const out: string[] = [`<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" xmlns="http://www.w3.org/2000/svg">`];
  // grid and y axis
  for (const frac of [0, 0.5, 1]) {
    const y = top + plotH - frac * plotH;
    out.push(`<line x1="${left}" y1="${y.toFixed(1)}" x2="${left + plotW}" y2="${y.toFixed(1)}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    out.push(`<text x="${left - 4}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="10" fill="${COLORS.text}">${esc(num(Math.round(frac * maxCount)))}</text>`);
  }
  for (const bin of bins) {
    const x0 = xOf(bin.from);
    const x1 = xOf(bin.to);
    const w = Math.max(0.8, x1 - x0 - 0.6);
    let acc = 0;
    bin.counts.forEach((c, k) => {
      if (c === 0) return;
      const y1 = yOf(acc);
      const y0 = yOf(acc + c);
      acc += c;
      const cat = categories[k] as { name: string; color: string };
      out.push(`<rect x="${x0.toFixed(2)}" y="${y0.toFixed(2)}" width="${w.toFixed(2)}" height="${Math.max(0.5, y1 - y0).toFixed(2)}" fill="${cat.color}"><title>${esc(`${num(bin.from)} – ${num(bin.to)}: ${num(c)} ${cat.name}`)}</title></rect>`);
    });
  }
  // x axis ticks: ends and middle
  const ticks = options.log ? logTicks(first.from, last.to) : [first.from, (first.from + last.to) / 2, last.to];
  ticks.forEach((v, k) => {
    const x = xOf(v);
    const anchor = k === 0 ? "start" : k === ticks.length - 1 ? "end" : "middle";
    out.push(`<line x1="${x.toFixed(1)}" y1="${top + plotH}" x2="${x.toFixed(1)}" y2="${top + plotH + 4}" stroke="${COLORS.text}"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${top + plotH + 15}" text-anchor="${anchor}" font-size="10" fill="${COLORS.text}">${esc(num(v))}</text>`);
  });
  out.push(`<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle" font-size="11" fill="${COLORS.text}">${esc(options.axisLabel)}${options.log ? " (log scale)" : ""}</text>`);
  thresholds.forEach((th, k) => {
    const raw = xOf(th.value);
    const x = Math.min(left + plotW, Math.max(left, raw));
    // a threshold beyond the axis is drawn at its edge, with an arrow towards it
    const label = raw > left + plotW ? `${th.label} →` : raw < left ? `← ${th.label}` : th.label;
    out.push(`<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${top + plotH}" stroke="${COLORS.threshold}" stroke-width="1.5" stroke-dasharray="4 3"/>`);
    const anchor = x > left + plotW * 0.7 ? "end" : "start";
    out.push(`<text x="${(x + (anchor === "end" ? -3 : 3)).toFixed(1)}" y="${top + 8 + k * 11}" text-anchor="${anchor}" font-size="10" font-weight="bold" fill="${COLORS.threshold}">${esc(label)}</text>`);
  });
  out.push("</svg>");
  return out.join("");
}

function logTicks(from: number, to: number): number[] {
  const ticks = [from];
  for (let p = 1; p <= to; p *= 10) if (p > from * 1.5 && p < to / 1.5) ticks.push(p);
  ticks.push(to);
  return ticks.length > 6 ? ticks.filter((_, i) => i % 2 === 0 || i === ticks.length - 1) : ticks;
}

/** Vertical bars with labels under them (e.g. documents by cluster size, tokens per shard). */
export function columns(items: readonly { label: string; value: number; title: string }[], options: { width?: number; height?: number; color?: string; axisLabel: string }): string {
  const width = options.width ?? 420;
  const height = options.height ?? 170;
  const left = 44;
  const top = 12;
  const bottom = 40;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...items.map((i) => i.value));
  const step = plotW / Math.max(1, items.length);
  const out: string[] = [`<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" xmlns="http://www.w3.org/2000/svg">`];
  out.push(`<text x="${left - 4}" y="${top + 4}" text-anchor="end" font-size="10" fill="${COLORS.text}">${esc(num(max))}</text>`);
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="${COLORS.grid}"/>`);
  const labelEvery = Math.max(1, Math.ceil(items.length / 16));
  items.forEach((item, i) => {
    const h = (item.value / max) * plotH;
    const x = left + i * step;
    out.push(`<rect x="${(x + step * 0.12).toFixed(2)}" y="${(top + plotH - h).toFixed(2)}" width="${Math.max(0.8, step * 0.76).toFixed(2)}" height="${Math.max(0.5, h).toFixed(2)}" fill="${options.color ?? COLORS.kept}"><title>${esc(item.title)}</title></rect>`);
    if (i % labelEvery === 0) out.push(`<text x="${(x + step / 2).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" font-size="10" fill="${COLORS.text}">${esc(item.label)}</text>`);
  });
  out.push(`<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle" font-size="11" fill="${COLORS.text}">${esc(options.axisLabel)}</text>`);
  out.push("</svg>");
  return out.join("");
}
