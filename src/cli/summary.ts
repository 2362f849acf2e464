import { isAbsolute, relative } from "node:path";
import type { RunStats } from "../pipeline/run.js";

function pct(part: number, whole: number): string {
  return whole === 0 ? "0%" : `${((100 * part) / whole).toFixed(1)}%`;
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** A path as a user would type it here: relative below the working folder, absolute elsewhere. */
export function shownPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** The funnel of a run as a plain-text table: what each stage saw, kept and removed, and why. */
export function formatSummary(stats: RunStats, runDir: string, cwd = process.cwd()): string {
  const dir = shownPath(runDir, cwd);
  const rows = stats.stages.map((s) => {
    const removed = Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.errored;
    const reasons = Object.entries(s.dropped)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k} ${v}`);
    if (s.errored > 0) reasons.push(`stage_error ${s.errored}`);
    return [s.id, s.kind, String(s.seen), String(s.kept), String(removed), reasons.slice(0, 4).join(", ") + (reasons.length > 4 ? ", …" : "")];
  });
  const header = ["stage", "kind", "seen", "kept", "removed", "reasons"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  const { read, written, removed } = stats.documents;
  const lines = [
    `Read ${read} documents (${mb(stats.input.bytes)}) from ${stats.input.files} file${stats.input.files === 1 ? "" : "s"}.`,
    "",
    `  ${fmt(header)}`,
    ...rows.map((r) => `  ${fmt(r)}`),
    "",
    `Kept     ${written} documents (${pct(written, read)}) in ${stats.output.files} file${stats.output.files === 1 ? "" : "s"}: ${dir}/output/`,
    `Removed  ${removed} documents (${pct(removed, read)}), each with its reason: ${dir}/ledger/`,
    `Stats    ${dir}/stats.json · manifest ${dir}/manifest.json`,
  ];
  // the language mix, from the `lang/<code>` counters of a language-tagging stage
  for (const s of stats.stages) {
    const mix = Object.entries(s.counters)
      .filter(([k]) => k.startsWith("lang/"))
      .map(([k, v]) => [k.slice(5), v] as const)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (mix.length === 0) continue;
    const shown = mix.slice(0, 12).map(([k, v]) => `${k} ${v}`);
    if (mix.length > 12) shown.push(`${mix.length - 12} more`);
    lines.splice(lines.findIndex((l) => l.startsWith("Kept ")), 0, `Languages (${s.id}): ${shown.join(", ")}`, "");
  }
  // token shards: `tokens/<split>` counters of tokenize stages
  for (const stage of stats.stages.filter((s) => s.use === "tokenize")) {
    const splits = Object.keys(stage.counters).filter((k) => k.startsWith("tokens/")).map((k) => k.slice(7));
    const parts = splits.map((split) => `${split} ${stage.counters[`tokens/${split}`]} tokens (${stage.counters[`documents/${split}`] ?? 0} documents)`);
    lines.splice(lines.length - 2, 0, `Tokens   ${parts.join(", ") || "none"}; stage \`${stage.id}\`, shards listed in manifest.json`);
  }
  // decontamination: documents matched and removed per test set, and the verification
  for (const stage of stats.stages.filter((s) => s.use === "decontaminate")) {
    const c = stage.counters;
    const sets = Object.keys(c).filter((k) => k.startsWith("matched/")).map((k) => k.slice(8));
    const parts = sets.map((set) => `${set} ${c[`matched/${set}`]} matched (${c[`dropped/${set}`] ?? 0} removed${c[`cut/${set}`] ? `, ${c[`cut/${set}`]} cut` : ""})`);
    const verified = (c.verified_docs ?? 0) === stage.kept ? `all ${stage.kept} kept documents scanned clean` : `${c.verified_docs ?? 0} of ${stage.kept} kept documents scanned clean`;
    lines.splice(lines.length - 2, 0, `Decontam ${parts.join(", ") || "nothing matched"}; ${verified}; stage \`${stage.id}\`, report in manifest.json`);
  }
  if (Object.keys(stats.output.byPartition).length > 0) {
    lines.splice(lines.findIndex((l) => l.startsWith("Kept ")) + 1, 0, `         by ${Object.entries(stats.output.byPartition).map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}
