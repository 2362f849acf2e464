/**
 * Renders the audit report: one self-contained HTML file (inline CSS, SVG and a small script, no
 * network, opens from file://). Scraped text is hostile, so every fragment of a document, id, URL,
 * ledger field or option goes through `esc`; nothing from the run becomes a link, a tag or a
 * script. A Content-Security-Policy meta tag allows only this file's own style and script (by hash)
 * and no loads at all, so even a missed escape could not run or fetch anything.
 */
import { createHash } from "node:crypto";
import type { StageStats } from "../core/stats.js";
import type { DecontamSection, DedupSection, Excerpt, ReasonSamples, ReportData, SignalHistogram, TokenSection } from "./collect.js";
import { COLORS, columns, esc, histogram, num, pct, stackedBars } from "./svg.js";

const CSS = `
:root { --fg: #24313d; --muted: #5b6b78; --line: #d8dde2; --bg: #ffffff; --soft: #f4f6f8; --kept: ${COLORS.kept}; --removed: ${COLORS.removed}; --other: ${COLORS.other}; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 18px 28px 10px; border-bottom: 1px solid var(--line); background: var(--soft); }
header h1 { margin: 0 0 4px; font-size: 20px; }
header .sub { color: var(--muted); font-size: 12.5px; }
nav { padding: 8px 28px; border-bottom: 1px solid var(--line); font-size: 13px; position: sticky; top: 0; background: var(--bg); z-index: 2; }
nav a { margin-right: 14px; color: var(--kept); text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1280px; }
section { margin-top: 22px; }
h2 { font-size: 17px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-bottom: 8px; }
h3 { font-size: 14.5px; margin: 16px 0 6px; }
p.note, .note { color: var(--muted); font-size: 12.5px; }
.kpis { display: flex; gap: 12px; flex-wrap: wrap; margin: 10px 0 4px; }
.kpi { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 140px; }
.kpi b { display: block; font-size: 19px; }
.kpi span { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 9px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
th[data-sort] { cursor: pointer; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 600; }
.minibar { vertical-align: middle; margin-right: 4px; }
.legend { font-size: 12px; color: var(--muted); margin: 4px 0; }
.sw { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; vertical-align: -1px; }
.sw.kept { background: var(--kept); } .sw.removed { background: var(--removed); } .sw.other { background: var(--other); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; background: var(--bg); min-width: 0; }
.card h4 { margin: 0 0 4px; font-size: 13px; }
.card .meta { color: var(--muted); font-size: 12px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: var(--soft); border-radius: 4px; padding: 6px 8px; margin: 4px 0; max-height: 260px; overflow: auto; }
pre.ledger { background: #fbf7ee; max-height: 140px; }
details { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; padding: 4px 10px; }
details > summary { cursor: pointer; font-weight: 600; padding: 3px 0; }
details > summary .note { font-weight: normal; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.tag { display: inline-block; border-radius: 3px; padding: 0 5px; font-size: 11.5px; background: var(--soft); border: 1px solid var(--line); margin-right: 4px; }
.tag.kept { border-color: var(--kept); color: var(--kept); } .tag.removed { border-color: var(--removed); color: var(--removed); }
mark { background: #ffe08a; padding: 0 1px; }
.hidden { display: none; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; background: var(--soft); padding: 0 3px; border-radius: 3px; }
`;

// sorting of tables whose headers have data-sort, and the language filter of the samples
const SCRIPT = `
(function () {
  function cellValue(row, i) {
    var cell = row.children[i];
    if (!cell) return "";
    var raw = cell.getAttribute("data-v");
    if (raw !== null) return Number(raw);
    return cell.textContent || "";
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th, i) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.classList.contains("total"); });
        var totals = Array.prototype.slice.call(body.rows).filter(function (r) { return r.classList.contains("total"); });
        var dir = th.getAttribute("data-dir") === "desc" ? 1 : -1;
        th.setAttribute("data-dir", dir === 1 ? "asc" : "desc");
        rows.sort(function (a, b) {
          var x = cellValue(a, i), y = cellValue(b, i);
          if (typeof x === "number" && typeof y === "number") return (x - y) * dir;
          return String(x).localeCompare(String(y)) * dir;
        });
        rows.concat(totals).forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var select = document.getElementById("lang-filter");
  if (select) {
    select.addEventListener("change", function () {
      var lang = select.value;
      document.querySelectorAll(".sample").forEach(function (card) {
        card.classList.toggle("hidden", lang !== "" && card.getAttribute("data-lang") !== lang);
      });
    });
  }
})();
`;

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("base64");

/** The Content-Security-Policy of the report: nothing may load; only this file's style and script run. */
export function contentSecurityPolicy(): string {
  return [`default-src 'none'`, `style-src 'sha256-${sha256(CSS)}'`, `script-src 'sha256-${sha256(SCRIPT)}'`, `img-src 'none'`, `base-uri 'none'`, `form-action 'none'`].join("; ");
}

const json = (v: unknown): string => (v === undefined ? "—" : typeof v === "number" ? num(v) : JSON.stringify(v));
const removedOf = (s: StageStats): number => Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.errored;

function kpi(value: string, label: string): string {
  return `<div class="kpi"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
}

function funnel(data: ReportData): string {
  const { stats } = data;
  const read = stats.stages[0];
  const scale = read?.seen ?? 1;
  const rows = stats.stages.map((s) => ({
    label: s.id,
    parts: [
      { value: s.kept, color: COLORS.kept, title: `${s.id}: ${num(s.kept)} kept` },
      { value: removedOf(s), color: COLORS.removed, title: `${s.id}: ${num(removedOf(s))} removed` },
    ],
    note: `${num(s.seen)} → ${num(s.kept)}${removedOf(s) > 0 ? `  (−${pct(removedOf(s), s.seen)})` : ""}`,
  }));
  const charScale = Math.max(1, ...stats.stages.map((s) => Math.max(s.charsIn, s.charsOut)));
  const charRows = stats.stages.map((s) => {
    const lost = s.charsIn > 0 ? Math.max(0, s.charsIn - s.charsOut) : 0;
    return {
      label: s.id,
      parts: [
        { value: s.charsOut, color: COLORS.kept, title: `${s.id}: ${num(s.charsOut)} characters passed on` },
        { value: lost, color: COLORS.removed, title: `${s.id}: ${num(lost)} characters removed (documents removed, or text cut)` },
      ],
      note: s.charsIn > 0 ? `${num(s.charsIn)} → ${num(s.charsOut)}${lost > 0 ? `  (−${pct(lost, s.charsIn)})` : ""}` : `${num(s.charsOut)} read`,
    };
  });
  const table = stats.stages
    .map((s) => {
      const removed = removedOf(s);
      const charsRemoved = s.charsIn > 0 ? s.charsIn - s.charsOut : 0;
      return `<tr data-stage="${esc(s.id)}"><td>${esc(s.id)}</td><td>${esc(s.kind)}</td><td class="n" data-k="seen" data-v="${s.seen}">${num(s.seen)}</td><td class="n" data-k="kept" data-v="${s.kept}">${num(s.kept)}</td><td class="n" data-k="removed" data-v="${removed}">${num(removed)}</td><td class="n" data-v="${s.seen ? removed / s.seen : 0}">${pct(removed, s.seen)}</td><td class="n" data-k="charsIn" data-v="${s.charsIn}">${s.charsIn ? num(s.charsIn) : "—"}</td><td class="n" data-k="charsOut" data-v="${s.charsOut}">${num(s.charsOut)}</td><td class="n">${s.charsIn ? pct(charsRemoved, s.charsIn) : "—"}</td></tr>`;
    })
    .join("");
  return `<section id="funnel" data-section="funnel"><h2>Funnel: documents and characters through each stage</h2>
<p class="legend"><span class="sw kept"></span>kept by the stage <span class="sw removed"></span>removed by the stage (bars are to the scale of the ${num(scale)} records read)</p>
<h3>Documents</h3>
${stackedBars(rows, { scale })}
<h3>Characters</h3>
${stackedBars(charRows, { scale: charScale })}
<table class="sortable" id="funnel-table"><thead><tr><th data-sort>stage</th><th data-sort>kind</th><th class="n" data-sort>seen</th><th class="n" data-sort>kept</th><th class="n" data-sort>removed</th><th class="n" data-sort>share removed</th><th class="n" data-sort>chars in</th><th class="n" data-sort>chars out</th><th class="n">chars removed</th></tr></thead><tbody>${table}</tbody></table>
<p class="note">Characters are UTF-16 code units of the text as each stage got it and passed it on; map stages (extraction, normalization, PII redaction, C4 line removal) change characters without removing documents. The reader's "chars out" is the text read.</p></section>`;
}

/** A small bar for a share (an SVG: widths cannot be inline styles under the report's CSP). */
function miniBar(share: number): string {
  return `<svg width="80" height="9" class="minibar"><rect width="80" height="9" fill="${COLORS.grid}"/><rect width="${(80 * share).toFixed(1)}" height="9" fill="${COLORS.removed}"/></svg> `;
}

function removals(data: ReportData): string {
  const total = data.stats.documents.removed;
  const anchors = new Map(data.reasons.map((r, i) => [`${r.stage}\u0000${r.reason}`, `r-${i}`]));
  const rows: string[] = [];
  for (const s of data.stats.stages) {
    const entries = Object.entries(s.dropped).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (s.errored > 0) entries.push(["stage_error", s.errored]);
    for (const [reason, n] of entries) {
      const anchor = anchors.get(`${s.id}\u0000${reason}`);
      rows.push(
        `<tr data-stage="${esc(s.id)}" data-reason="${esc(reason)}"><td>${esc(s.id)}</td><td>${anchor ? `<a href="#${anchor}">${esc(reason)}</a>` : esc(reason)}</td><td class="n" data-k="count" data-v="${n}">${num(n)}</td><td class="n" data-v="${s.seen ? n / s.seen : 0}">${pct(n, s.seen)}</td><td class="n" data-v="${total ? n / total : 0}">${miniBar(total ? n / total : 0)}${pct(n, total)}</td></tr>`,
      );
    }
  }
  const table = rows.join("");
  return `<section id="removals" data-section="removals"><h2>Removals by stage and reason</h2>
<p class="note">${num(total)} documents removed in all, each with one ledger row. Click a reason to see sampled documents it removed; click a column header to sort.</p>
<table class="sortable" id="reasons-table"><thead><tr><th data-sort>stage</th><th data-sort>reason</th><th class="n" data-sort>documents</th><th class="n" data-sort>of the stage's input</th><th class="n" data-sort>of all removed</th></tr></thead><tbody>${table}</tbody></table>
${languages(data)}</section>`;
}

function languages(data: ReportData): string {
  const stagesWithLang = data.stats.stages.filter((s) => Object.keys(s.droppedByLang).length > 0);
  const byLang = new Map<string, Map<string, number>>();
  for (const s of stagesWithLang) {
    for (const [lang, reasons] of Object.entries(s.droppedByLang)) {
      const m = byLang.get(lang) ?? new Map<string, number>();
      m.set(s.id, (m.get(s.id) ?? 0) + Object.values(reasons).reduce((a, b) => a + b, 0));
      byLang.set(lang, m);
    }
  }
  for (const lang of Object.keys(data.tagged)) if (!byLang.has(lang)) byLang.set(lang, new Map());
  if (byLang.size === 0) return `<h3 id="languages">Removals by language</h3><p class="note">No removed document had a language tag (no <code>language</code> stage before the filters).</p>`;
  const totalOf = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const langs = [...byLang.entries()].sort((a, b) => totalOf(b[1]) - totalOf(a[1]) || (data.tagged[b[0]] ?? 0) - (data.tagged[a[0]] ?? 0) || (a[0] < b[0] ? -1 : 1));
  const shown = langs.slice(0, data.limits.languages);
  const rest = langs.slice(data.limits.languages);
  const hasTagged = Object.keys(data.tagged).length > 0;
  const head = `<tr><th data-sort>language</th>${hasTagged ? `<th class="n" data-sort>tagged</th>` : ""}${stagesWithLang.map((s) => `<th class="n" data-sort>${esc(s.id)}</th>`).join("")}<th class="n" data-sort>removed</th>${hasTagged ? `<th class="n" data-sort>share removed</th>` : ""}</tr>`;
  const row = (lang: string, m: Map<string, number>, tagged: number | undefined, cls = ""): string => {
    const t = totalOf(m);
    return `<tr${cls ? ` class="${cls}"` : ""} data-lang="${esc(lang)}"><td>${esc(lang)}</td>${hasTagged ? `<td class="n" data-v="${tagged ?? 0}">${tagged === undefined ? "—" : num(tagged)}</td>` : ""}${stagesWithLang.map((s) => `<td class="n" data-v="${m.get(s.id) ?? 0}">${m.get(s.id) ? num(m.get(s.id) as number) : ""}</td>`).join("")}<td class="n" data-k="removed" data-v="${t}">${num(t)}</td>${hasTagged ? `<td class="n" data-v="${tagged ? t / tagged : 0}">${tagged ? pct(t, tagged) : "—"}</td>` : ""}</tr>`;
  };
  const rows = shown.map(([lang, m]) => row(lang, m, data.tagged[lang]));
  if (rest.length > 0) {
    const merged = new Map<string, number>();
    let tagged = 0;
    for (const [lang, m] of rest) {
      tagged += data.tagged[lang] ?? 0;
      for (const [k, v] of m) merged.set(k, (merged.get(k) ?? 0) + v);
    }
    rows.push(row(`${rest.length} more languages`, merged, hasTagged ? tagged : undefined, "total"));
  }
  return `<h3 id="languages">Removals by language</h3>
<p class="note">Documents each stage removed, by the language tag they had then (<code>-</code> in samples: no tag yet).${hasTagged ? " “Tagged” is what the language stage counted; removals before it (extraction) have no language." : ""}</p>
<table class="sortable" id="lang-table"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`;
}

function ruleText(rule: SignalHistogram["rules"][number], signal: string): string {
  const op = { "<": "<", "<=": "≤", ">": ">", ">=": "≥", true: "is" }[rule.op] ?? rule.op;
  return `${rule.code}: removed when ${signal} ${op} ${rule.threshold === null ? "(off)" : num(rule.threshold)}${rule.option ? ` (${rule.option})` : ""}`;
}

function signals(data: ReportData): string {
  const intro = `<section id="signals" data-section="signals"><h2>Quality signals: distributions and thresholds</h2>`;
  if (data.histograms === null) {
    return `${intro}<p class="note">This run did not record signals. Run it with <code>output.signals: true</code> (or <code>--set output.signals=true</code>) to see, for every rule, how the measured values of all judged documents fall around the threshold, and to use <code>refinery what-if</code>.</p></section>`;
  }
  if (data.histograms.length === 0) return `${intro}<p class="note">No stage of this pipeline decides by measured signals.</p></section>`;
  const cats = [
    { name: "kept by the stage", color: COLORS.kept },
    { name: "removed by this signal's rule", color: COLORS.removed },
    { name: "removed by another rule of the stage", color: COLORS.other },
  ];
  const cards = data.histograms.map((h) => {
    const thresholds = h.rules.filter((r) => r.threshold !== null).map((r) => ({ value: r.threshold as number, label: `${r.op === "<" || r.op === "<=" ? "min" : "max"} ${num(r.threshold as number)}` }));
    return `<div class="card histogram" data-stage="${esc(h.stage)}" data-signal="${esc(h.signal)}" data-judged="${h.judged}" data-unmeasured="${h.unmeasured}"><h4>${esc(h.stage)} · ${esc(h.signal)}</h4>
<div class="meta">${h.rules.map((r) => esc(ruleText(r, h.signal))).join("<br>")}</div>
${histogram(h.bins, cats, thresholds, { log: h.log, axisLabel: h.signal })}
<div class="meta">${num(h.judged)} judged: <span class="tag kept">${num(h.kept)} kept</span><span class="tag removed">${num(h.removedHere)} removed by this rule</span>${h.removedOther ? `<span class="tag">${num(h.removedOther)} by other rules</span>` : ""}${h.unmeasured ? ` · ${num(h.unmeasured)} without a value` : ""} · range ${num(h.min)} – ${num(h.max)}</div></div>`;
  });
  return `${intro}<p class="legend"><span class="sw kept"></span>kept by the stage <span class="sw removed"></span>removed by this signal's rule <span class="sw other"></span>removed by another rule of the same stage · dashed line: the threshold</p>
<p class="note">Every document each stage judged, from <code>signals/</code>. Documents an earlier stage had removed were also measured, in shadow (${num(data.shadowRows)} rows), for <code>refinery what-if</code>; they are not drawn.</p>
<div class="grid">${cards.join("")}</div></section>`;
}

function excerptHtml(e: Excerpt): string {
  if (e.text === undefined) return `<p class="note">Text: ${esc(e.from)}</p>`;
  const shown = e.shown ?? e.text.length;
  const more = e.chars !== undefined && e.chars > shown ? ` (first ${num(shown)} of ${num(e.chars)} characters)` : e.chars !== undefined ? ` (${num(e.chars)} characters)` : "";
  return `<pre class="text">${esc(e.text)}</pre><p class="note">From ${esc(e.from)}${esc(more)}</p>`;
}

function samples(data: ReportData): string {
  const langs = new Set<string>();
  for (const r of data.reasons) for (const s of r.samples) langs.add(s.lang ?? "-");
  const options = [...langs].sort().map((l) => `<option value="${esc(l)}">${esc(l)}</option>`).join("");
  const blocks = data.reasons.map((r: ReasonSamples, i) => {
    const langList = r.byLang.slice(0, 12).map(([l, n]) => `${l} ${num(n)}`).join(", ") + (r.byLang.length > 12 ? `, ${r.byLang.length - 12} more` : "");
    const cards = r.samples
      .map(
        (s) => `<div class="card sample" data-lang="${esc(s.lang ?? "-")}"><h4>${esc(s.id)}</h4><div class="meta">language ${esc(s.lang ?? "-")} · value ${esc(json(s.value))} · threshold ${esc(json(s.threshold))}</div>
${excerptHtml(s.excerpt)}<pre class="ledger">${esc(s.ledger)}</pre></div>`,
      )
      .join("");
    return `<details id="r-${i}" data-stage="${esc(r.stage)}" data-reason="${esc(r.reason)}" data-total="${r.total}"><summary>${esc(r.stage)} · ${esc(r.reason)} <span class="note">— ${num(r.total)} removed (${esc(langList)}); ${r.samples.length} shown</span></summary><div class="grid">${cards}</div></details>`;
  });
  return `<section id="samples" data-section="samples"><h2>Removed documents, sampled per reason</h2>
<p class="note">For each reason, up to ${data.limits.samplesPerReason} removed documents, chosen by a hash of (seed ${data.sampleSeed}, document id) and spread over languages (one per language in turn, the most removed languages first), so the same run always shows the same documents. Each shows the start of its text, the measured value and threshold, and its ledger row.${data.reasonsLeftOut ? ` ${num(data.reasonsLeftOut)} rarer reasons are left out.` : ""}</p>
<p class="note"><label>Show language: <select id="lang-filter"><option value="">all</option>${options}</select></label></p>
${blocks.join("") || `<p class="note">Nothing was removed.</p>`}</section>`;
}

function dedupHtml(sections: readonly DedupSection[]): string {
  if (sections.length === 0) return "";
  const body = sections.map((d) => {
    const chart = columns(
      d.bySize.map(([size, n]) => ({ label: String(size), value: n, title: `${num(n)} documents removed from clusters of ${size}` })),
      { axisLabel: "cluster size (documents)", color: COLORS.removed },
    );
    const counters = Object.entries(d.counters).map(([k, v]) => `${esc(k)} ${num(v)}`).join(" · ");
    const clusters = d.clusters
      .map((c) => {
        const member = (m: (typeof c.removed)[number]): string =>
          `<div class="card"><h4><span class="tag removed">removed</span>${esc(m.id)}</h4><div class="meta">${m.jaccard !== undefined ? `Jaccard ${num(m.jaccard)} (exact) · ` : ""}${m.jaccardEstimate !== undefined ? `Jaccard ≈ ${num(m.jaccardEstimate)} (MinHash estimate)` : m.jaccard === undefined ? "exact duplicate (same normalized text)" : ""}</div>${excerptHtml(m.excerpt)}</div>`;
        return `<div class="cluster" data-cluster="${esc(c.cluster)}"><h3>Cluster ${esc(c.cluster)} <span class="note">— ${num(c.size)} documents</span></h3><div class="pair"><div class="card"><h4><span class="tag kept">kept</span>${esc(c.kept.id)}</h4>${excerptHtml(c.kept.excerpt)}</div><div>${c.removed.map(member).join("")}</div></div></div>`;
      })
      .join("");
    return `<h3>${esc(d.stage)} <span class="note">(${esc(d.use)}) — ${num(d.removed)} duplicates removed${counters ? ` · ${counters}` : ""}</span></h3>
<div class="grid"><div class="card"><h4>Removed documents by the size of their cluster</h4>${chart}</div>${
      d.clustersBySize
        ? `<div class="card"><h4>Clusters by size <span class="note">(every cluster, from clusters.jsonl)</span></h4>${columns(
            d.clustersBySize.map(([size, n]) => ({ label: String(size), value: n, title: `${num(n)} clusters of ${size} documents` })),
            { axisLabel: "cluster size (documents)" },
          )}</div>`
        : ""
    }</div>
<p class="note">${num(d.clusters.length)} example clusters, chosen by a hash of the cluster id; the kept document beside the ones removed as its duplicates.</p>${clusters}`;
  });
  return `<section id="dedup" data-section="dedup"><h2>Deduplication</h2>${body.join("")}</section>`;
}

function decontamHtml(sections: readonly DecontamSection[]): string {
  if (sections.length === 0) return "";
  const body = sections.map((d) => {
    const reported = d.testSets.some((t) => t.reported !== undefined);
    const table = d.testSets
      .map((t) => {
        const stageCount = t.reported ? `${t.reported.itemsFound !== undefined ? num(t.reported.itemsFound) : "—"}${t.reported.itemsInSet !== undefined ? ` of ${num(t.reported.itemsInSet)}` : ""}` : "—";
        return `<tr data-test-set="${esc(t.name)}"><td>${esc(t.name)}</td>${reported ? `<td class="n" data-k="reported">${stageCount}</td>` : ""}<td class="n" data-k="items">${t.itemsCapped ? "≥ " : ""}${num(t.items)}</td><td class="n" data-k="documents">${num(t.documents)}</td></tr>`;
      })
      .join("");
    const examples = d.testSets
      .map(
        (t) =>
          `<h3>${esc(t.name)}</h3>${t.matches
            .map(
              (m) =>
                `<div class="card contam"><h4>${esc(m.docId)} <span class="note">matches item ${esc(m.item)} · ${esc(m.reason)} · characters ${num(m.offsets[0])}–${num(m.offsets[1])}</span></h4>${m.ngram !== undefined ? `<div class="meta">n-gram: <code>${esc(m.ngram)}</code></div>` : ""}${m.context ? `<pre class="text">${esc(m.context.before)}<mark>${esc(m.context.match)}</mark>${esc(m.context.after)}</pre><p class="note">From ${esc(m.from)}</p>` : `<p class="note">Context: ${esc(m.from)}</p>`}</div>`,
            )
            .join("")}`,
      )
      .join("");
    return `<h3>${esc(d.stage)} <span class="note">— ${num(d.removed)} documents removed${d.cut ? `, ${num(d.cut)} cut` : ""} for test-set text</span></h3>
<table id="decontam-table"><thead><tr><th>test set</th>${reported ? `<th class="n">items found (stage report)</th>` : ""}<th class="n">items in these documents</th><th class="n">documents</th></tr></thead><tbody>${table}</tbody></table>${examples}`;
  });
  return `<section id="decontam" data-section="decontam"><h2>Decontamination</h2><p class="note">Test items found in the corpus, per test set (from the ledger rows of removed documents and the cut records of cut ones; the stage's own count from manifest.json where it reports one), with the matching text highlighted in the document it was found in.</p>${body.join("")}</section>`;
}

function tokensHtml(sections: readonly TokenSection[]): string {
  if (sections.length === 0) return "";
  const body = sections.map((t) => {
    const rows = t.splits.map((s) => `<tr data-split="${esc(s.name)}"><td>${esc(s.name)}</td><td class="n" data-k="documents">${num(s.documents)}</td><td class="n" data-k="tokens">${num(s.tokens)}</td><td class="n">${num(s.shardCount)}</td><td class="n">${s.documents ? num(s.tokens / s.documents) : "—"}</td></tr>`).join("");
    const shards = t.splits.flatMap((s) => s.shards.map((sh) => ({ label: sh.name.replace(/^.*_/, ""), value: sh.tokens, title: `${sh.name}: ${num(sh.tokens)} tokens, ${num(sh.documents)} documents` })));
    const shardRows = t.splits
      .flatMap((s) => s.shards.map((sh) => `<tr><td>${esc(s.name)}</td><td>${esc(sh.name)}</td><td class="n">${num(sh.documents)}</td><td class="n">${num(sh.tokens)}</td><td class="n">${sh.bytes !== undefined ? num(sh.bytes) : "—"}</td></tr>`))
      .join("");
    const more = t.splits.some((s) => s.shardCount > s.shards.length) ? `<p class="note">The first ${t.splits[0]?.shards.length ?? 0} shards of each split are listed; tokens/manifest.json has all.</p>` : "";
    return `<h3>${esc(t.stage)} <span class="note">— ${esc(t.dir)}/, ${esc(t.format ?? "")} ${t.tokenizer ? `· tokenizer ${esc(t.tokenizer)}` : ""}</span></h3>
<table id="tokens-table"><thead><tr><th>split</th><th class="n">documents</th><th class="n">tokens</th><th class="n">shards</th><th class="n">tokens per document</th></tr></thead><tbody>${rows}</tbody></table>
<div class="grid"><div class="card"><h4>Tokens per shard</h4>${columns(shards, { axisLabel: "shard" })}</div><div class="card"><table><thead><tr><th>split</th><th>shard</th><th class="n">documents</th><th class="n">tokens</th><th class="n">bytes</th></tr></thead><tbody>${shardRows}</tbody></table>${more}</div></div>`;
  });
  return `<section id="tokens" data-section="tokens"><h2>Tokens per split and shard</h2>${body.join("")}</section>`;
}

/** The whole report as one HTML string. */
export function renderReport(data: ReportData): string {
  const { stats } = data;
  const name = data.run.split(/[\\/]/).filter(Boolean).pop() ?? data.run;
  const sections: [string, string][] = [
    ["funnel", "Funnel"],
    ["removals", "Removals"],
    ["signals", "Signals"],
    ["samples", "Samples"],
    ...(data.dedup.length > 0 ? ([["dedup", "Deduplication"]] as [string, string][]) : []),
    ...(data.decontam.length > 0 ? ([["decontam", "Decontamination"]] as [string, string][]) : []),
    ...(data.tokens.length > 0 ? ([["tokens", "Tokens"]] as [string, string][]) : []),
  ];
  const tokensTotal = data.tokens.flatMap((t) => t.splits).reduce((a, s) => a + s.tokens, 0);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy())}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Refinery report: ${esc(name)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>Refinery audit report: ${esc(name)}</h1>
<div class="sub">Run folder ${esc(data.run)} · pipeline ${esc(data.pipeline.source)} (sha256 ${esc(data.pipeline.sha256.slice(0, 12))}) · Refinery ${esc(data.refinery)} · seed ${esc(data.seed)} · ${num(data.inputFiles)} input files</div>
<div class="kpis">${kpi(num(stats.documents.read), "records read")}${kpi(num(stats.documents.written), `kept (${pct(stats.documents.written, stats.documents.read)})`)}${kpi(num(stats.documents.removed), `removed (${pct(stats.documents.removed, stats.documents.read)}), each in the ledger`)}${kpi(num(stats.output.chars), "characters kept")}${tokensTotal ? kpi(num(tokensTotal), "tokens written") : ""}</div></header>
<nav>${sections.map(([id, label]) => `<a href="#${id}">${label}</a>`).join("")}</nav>
<main>
${funnel(data)}
${removals(data)}
${signals(data)}
${samples(data)}
${dedupHtml(data.dedup)}
${decontamHtml(data.decontam)}
${tokensHtml(data.tokens)}
<p class="note">Generated by <code>refinery report</code> from stats.json, manifest.json, the ledger${data.histograms ? ", signals/" : ""} and the documents' texts. Samples are capped (${data.limits.samplesPerReason} per reason, ${data.limits.clusters} clusters per dedup stage, ${data.limits.itemsPerTestSet} matches per test set), so the file stays small for a run of any size.</p>
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
