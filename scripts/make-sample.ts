/**
 * Writes fixtures/sample/: the bundled sample web dump (~280 documents in three shards), its
 * test set, a manifest and a README.
 *
 * Real pages come from the offline corpus built by ../shared/datasets/build-corpus.sh
 * ($CORPUS_DIR, default $HOME/.cache/refinery-corpus/out); everything else is generated here.
 * Deterministic: no Math.random, no clock, no locale-dependent sorting, so rerunning
 * `npx tsx scripts/make-sample.ts` reproduces byte-identical files.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { compress } from "zstd-napi";

const SEED = "refinery-sample-v1";
const CORPUS_DIR = process.env["CORPUS_DIR"] ?? join(homedir(), ".cache", "refinery-corpus", "out");
const OUT = new URL("../fixtures/sample/", import.meta.url);

// ---------------------------------------------------------------------------------------------
// small utilities

/** Throws when `value` is undefined: for lookups that cannot fail unless the script is wrong. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`make-sample: missing ${what}`);
  return value;
}

/** A stable pseudo-random rank of `key` within the namespace `salt` (hex string; compare with <). */
function rank(salt: string, key: string): string {
  return createHash("sha256").update(`${SEED}\0${salt}\0${key}`).digest("hex");
}

function byRank<T>(items: readonly T[], salt: string, key: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, r: rank(salt, key(item)) }))
    .sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0))
    .map((x) => x.item);
}

/** mulberry32: a tiny seeded PRNG, one independent stream per purpose. */
class Rng {
  private state: number;
  constructor(purpose: string) {
    this.state = createHash("sha256").update(`${SEED}\0${purpose}`).digest().readUInt32LE(0);
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(items: readonly T[]): T {
    return must(items[this.int(items.length)], "pick from empty list");
  }
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = must(a[i], "shuffle");
      a[i] = must(a[j], "shuffle");
      a[j] = t;
    }
    return a;
  }
  sample<T>(items: readonly T[], n: number): T[] {
    return this.shuffle(items).slice(0, n);
  }
}

const pad = (n: number, width = 3): string => String(n).padStart(width, "0");

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// the naive text version every row carries

const BLOCK_TAGS = "p|div|li|h[1-6]|br|tr|section|article|header|footer|nav|aside|ul|ol|table|pre";
const BLOCK_RE = new RegExp(`<\\/?(?:${BLOCK_TAGS})\\b[^>]*>`, "gi");

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', nbsp: "\u00a0" };

function decodeEntities(s: string): string {
  return s.replace(/&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|(amp|lt|gt|quot|nbsp));/g, (_m, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? "";
    const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? "", 16);
    if (!Number.isFinite(cp) || cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return "\ufffd";
    return String.fromCodePoint(cp);
  });
}

/**
 * Tags stripped, script/style contents removed, block tags turned into newlines, the five named
 * entities plus numeric ones decoded, spaces collapsed within lines, runs of blank lines collapsed
 * to one. Deliberately naive: it is the baseline the real extractor is compared with.
 */
function naiveText(html: string): string {
  let s = html.replace(/<!--[\s\S]*?-->/g, "");
  s = s.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "");
  s = s.replace(BLOCK_RE, "\n");
  s = s.replace(/<\/?[a-zA-Z][^>]*>|<![^>]*>|<\?[^>]*>/g, "");
  s = decodeEntities(s).replace(/\r\n?/g, "\n");
  const out: string[] = [];
  for (const raw of s.split("\n")) {
    const line = raw.replace(/[ \t\f\v]+/g, " ").trim();
    if (line === "") {
      if (out.length > 0 && out[out.length - 1] !== "") out.push("");
    } else out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// documents

type Kind = "page" | "dup-exact" | "dup-near" | "spam" | "profanity" | "falsepos" | "empty" | "contam" | "pii" | "cjk";

interface Row {
  readonly id: string;
  readonly url: string;
  readonly html: string;
  readonly text: string;
  readonly source: string;
}

/** What the manifest says about a document (not part of the dump rows). */
interface Entry {
  readonly id: string;
  readonly kind: Kind;
  readonly lang: string;
  readonly source: string;
  readonly url: string;
  readonly note?: string;
  readonly corpus_id?: string;
  readonly corpus_url?: string;
  readonly copy_of?: string;
  readonly pair?: string;
  readonly jaccard?: number;
  readonly testset_items?: readonly string[];
  readonly edit?: string;
  readonly pii?: readonly string[];
  readonly not_pii?: readonly string[];
  readonly profanity?: readonly string[];
  shard?: string;
  html_bytes?: number;
  text_chars?: number;
  blocklist_hits?: Record<string, string[]>;
}

interface Doc {
  readonly row: Row;
  readonly entry: Entry;
}

function makeDoc(entry: Omit<Entry, "shard" | "html_bytes" | "text_chars">, html: string): Doc {
  const row: Row = { id: entry.id, url: entry.url, html, text: naiveText(html), source: entry.source };
  return { row, entry: { ...entry } };
}

// ---------------------------------------------------------------------------------------------
// reading the corpus

interface CorpusMeta {
  readonly id: string;
  readonly url: string;
  readonly source: string;
  readonly lang: string;
  readonly bytes: number;
  /** Length of the naive text, computed only for pages of a plausible size (else -1). */
  readonly textChars: number;
}

interface CorpusRow {
  id: string;
  url: string;
  html: string;
  source: string;
  lang: string | null;
}

async function* corpusRows(): AsyncGenerator<CorpusRow> {
  const rl = createInterface({ input: createReadStream(join(CORPUS_DIR, "html_corpus.jsonl"), { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === "") continue;
    yield JSON.parse(line) as CorpusRow;
  }
}

async function readCorpusMeta(): Promise<CorpusMeta[]> {
  const metas: CorpusMeta[] = [];
  for await (const r of corpusRows()) {
    const bytes = Buffer.byteLength(r.html, "utf8");
    const textChars = bytes >= 1500 && bytes <= 20000 ? naiveText(r.html).length : -1;
    metas.push({ id: r.id, url: r.url, source: r.source, lang: r.lang ?? "und", bytes, textChars });
  }
  return metas;
}

async function readCorpusHtml(ids: ReadonlySet<string>): Promise<Map<string, string>> {
  const html = new Map<string, string>();
  for await (const r of corpusRows()) if (ids.has(r.id)) html.set(r.id, r.html);
  return html;
}

/** id → ids it is a near or exact duplicate of, from the corpus census. */
function readRelations(): Map<string, Set<string>> {
  const rel = new Map<string, Set<string>>();
  const link = (a: string, b: string): void => {
    if (a === b) return;
    let s = rel.get(a);
    if (!s) rel.set(a, (s = new Set()));
    s.add(b);
  };
  for (const line of readFileSync(join(CORPUS_DIR, "neardup_pairs.tsv"), "utf8").split("\n").slice(1)) {
    const [, a, b] = line.split("\t");
    if (a && b) {
      link(a, b);
      link(b, a);
    }
  }
  for (const line of readFileSync(join(CORPUS_DIR, "neardup_exact_groups.tsv"), "utf8").split("\n").slice(1)) {
    const ids = (line.split("\t")[2] ?? "").split(",").filter(Boolean);
    for (const a of ids) for (const b of ids) link(a, b);
  }
  return rel;
}

interface NearPair {
  readonly jaccard: number;
  readonly a: string;
  readonly b: string;
}

function readNearPairs(): NearPair[] {
  const pairs: NearPair[] = [];
  for (const line of readFileSync(join(CORPUS_DIR, "neardup_pairs.tsv"), "utf8").split("\n").slice(1)) {
    const [j, a, b] = line.split("\t");
    if (j && a && b) pairs.push({ jaccard: Number(j), a, b });
  }
  return pairs;
}

/** The public address of a page that the corpus holds under its installed file:// path. */
const URL_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^file:\/\/\/usr\/share\/libreoffice\/help\/(.+)$/, "https://help.libreoffice.org/7.4/$1"],
  [/^file:\/\/\/usr\/share\/doc\/debian-handbook\/html\/([^/]+)\/(.+)$/, "https://debian-handbook.info/browse/$1/stable/$2"],
  [/^file:\/\/\/usr\/share\/doc\/installation-guide-(amd64|i386)\/([^/]+)\/(.+)$/, "https://www.debian.org/releases/bookworm/$1/$2/$3"],
  [/^file:\/\/\/usr\/share\/doc\/apache2-doc\/manual\/(.+)$/, "https://httpd.apache.org/docs/2.4/$1"],
  [/^file:\/\/\/usr\/share\/doc\/python3\.11\/html\/(.+)$/, "https://docs.python.org/3.11/$1"],
  [/^file:\/\/\/usr\/share\/doc\/postgresql-doc-15\/html\/(.+)$/, "https://www.postgresql.org/docs/15/$1"],
  [/^file:\/\/\/usr\/share\/doc\/linux-doc-(6\.1|6\.12)\/html\/(.+)$/, "https://www.kernel.org/doc/html/v$1/$2"],
  [/^file:\/\/\/usr\/share\/doc\/git-doc\/(.+)$/, "https://git-scm.com/docs/$1"],
  [/^file:\/\/\/usr\/share\/doc\/harden-doc\/html\/(.+)$/, "https://www.debian.org/doc/manuals/securing-debian-manual/$1"],
  [/^file:\/\/\/usr\/share\/doc\/debian\/FAQ\/(.+)$/, "https://www.debian.org/doc/manuals/debian-faq/$1"],
  [/^file:\/\/\/usr\/share\/debian-reference\/(.+)$/, "https://www.debian.org/doc/manuals/debian-reference/$1"],
  [/^file:\/\/\/usr\/share\/developers-reference\/(.+)$/, "https://www.debian.org/doc/manuals/developers-reference/$1"],
  [/^file:\/\/\/usr\/share\/doc\/debian-policy\/(.+)$/, "https://www.debian.org/doc/debian-policy/$1"],
  [/^file:\/\/\/usr\/share\/doc\/debian-history\/docs\/(.+)$/, "https://www.debian.org/doc/manuals/project-history/$1"],
  [/^file:\/\/\/usr\/share\/doc\/debian-kernel-handbook\/kernel-handbook\.html\/(.+)$/, "https://kernel-team.pages.debian.net/kernel-handbook/$1"],
  [/^file:\/\/\/usr\/share\/doc\/maint-guide[^/]*\/html\/(.+)$/, "https://www.debian.org/doc/manuals/maint-guide/$1"],
  [/^file:\/\/\/usr\/share\/doc\/(.+)$/, "https://www.debian.org/doc/$1"],
];

function publicUrl(url: string): string {
  for (const [re, to] of URL_RULES) if (re.test(url)) return url.replace(re, to);
  return url; // Common Crawl pages keep their real address
}

// ---------------------------------------------------------------------------------------------
// 1. real pages

/** [corpus source, corpus lang hint, how many]. English is the majority, as in a real crawl. */
const PAGE_QUOTAS: ReadonlyArray<readonly [string, string, number]> = [
  ["libreoffice-help-en-us", "en", 14],
  ["libreoffice-help-en-gb", "en-GB", 4],
  ["debian-handbook", "en", 8],
  ["installation-guide-amd64", "en", 5],
  ["installation-guide-i386", "en", 2],
  ["apache2-doc", "en", 8],
  ["postgresql-doc-15", "en", 10],
  ["linux-doc-6.12", "en", 8],
  ["linux-doc-6.1", "en", 3],
  ["python3.11-doc", "en", 4],
  ["harden-doc", "en", 4],
  ["debian-faq", "en", 2],
  ["developers-reference", "en", 1],
  ["debian-history", "en", 1],
  ["debian-policy", "en", 2],
  ["debian-kernel-handbook", "en", 2],
  ["maint-guide", "en", 1],
  ["libreoffice-help-de", "de", 5],
  ["debian-handbook", "de", 2],
  ["harden-doc", "de", 1],
  ["installation-guide-amd64", "de", 1],
  ["debian-faq-de", "de", 1],
  ["apache2-doc", "de", 1],
  ["developers-reference-de", "de", 1],
  ["libreoffice-help-fr", "fr", 5],
  ["debian-handbook", "fr", 2],
  ["apache2-doc", "fr", 1],
  ["debian-faq-fr", "fr", 1],
  ["installation-guide-amd64", "fr", 1],
  ["libreoffice-help-es", "es", 5],
  ["debian-handbook", "es", 2],
  ["apache2-doc", "es", 1],
  ["installation-guide-amd64", "es", 1],
  ["linux-doc-6.12", "es", 1],
  ["libreoffice-help-ru", "ru", 4],
  ["debian-handbook", "ru", 1],
  ["debian-faq-ru", "ru", 1],
  ["installation-guide-amd64", "ru", 1],
  ["libreoffice-help-ja", "ja", 4],
  ["debian-handbook", "ja", 1],
  ["debian-faq-ja", "ja", 1],
  ["apache2-doc", "ja", 1],
  ["libreoffice-help-zh-cn", "zh-CN", 4],
  ["debian-handbook", "zh-CN", 1],
  ["debian-faq-zh-cn", "zh-CN", 1],
  ["linux-doc-6.12", "zh-CN", 1],
  ["maint-guide-zh-cn", "zh-CN", 1],
  ["libreoffice-help-pt-br", "pt-BR", 3],
  ["debian-handbook", "pt-BR", 1],
  ["harden-doc", "pt-BR", 1],
  ["libreoffice-help-it", "it", 3],
  ["debian-handbook", "it", 1],
  ["debian-faq-it", "it", 1],
  ["libreoffice-help-ko", "ko", 3],
  ["debian-faq-ko", "ko", 1],
  ["apache2-doc", "ko", 1],
  ["libreoffice-help-vi", "vi", 2],
  ["libreoffice-help-tr", "tr", 2],
  ["apache2-doc", "tr", 1],
  ["libreoffice-help-hi", "hi", 2],
  ["debian-handbook", "nl", 1],
  ["debian-handbook", "pl", 1],
  ["debian-handbook", "ar", 1],
  ["debian-handbook", "el", 1],
  ["debian-handbook", "id", 1],
  ["debian-handbook", "cs", 1],
  ["debian-handbook", "sv", 1],
  ["debian-handbook", "zh-TW", 1],
  ["debian-handbook", "fa", 1],
  ["installation-guide-amd64", "da", 1],
  ["installation-guide-amd64", "ca", 1],
  ["installation-guide-amd64", "ro", 1],
];

/** Common Crawl responses kept whole (their `lang` hint is null; all three are English pages). */
const CC_MAX_BYTES = 20000;
const PAGE_MIN_BYTES = 2000;
const PAGE_MAX_BYTES = 12000;
const PAGE_MIN_TEXT = 300;

/** Near-duplicate pairs per documentation family (both members from the same family). */
const NEAR_QUOTAS: ReadonlyArray<readonly [string, number]> = [
  ["libreoffice-help", 5],
  ["debian-handbook", 3],
  ["linux-doc", 3],
  ["installation-guide", 2],
  ["harden-doc", 2],
];

function family(source: string): string {
  for (const prefix of ["libreoffice-help", "linux-doc", "installation-guide"]) if (source.startsWith(`${prefix}-`)) return prefix;
  return source;
}

interface Selection {
  readonly pages: CorpusMeta[];
  readonly pairs: Array<NearPair & { readonly metaA: CorpusMeta; readonly metaB: CorpusMeta }>;
}

function select(metas: readonly CorpusMeta[], rel: ReadonlyMap<string, ReadonlySet<string>>, nearPairs: readonly NearPair[]): Selection {
  const byId = new Map(metas.map((m) => [m.id, m]));
  const taken = new Set<string>();
  const clashes = (id: string): boolean => taken.has(id) || [...(rel.get(id) ?? [])].some((r) => taken.has(r));

  // near-duplicate pairs first: a few per documentation family, cycling through Jaccard bins
  const bins: ReadonlyArray<readonly [number, number]> = [
    [0.8, 0.85],
    [0.85, 0.9],
    [0.9, 0.95],
    [0.95, 0.99],
  ];
  const pairs: Selection["pairs"] = [];
  const perCategory = new Map<string, number>();
  const ranked = byRank(nearPairs, "near", (q) => `${q.a}|${q.b}`);
  let cycle = 0;
  for (const [fam, want] of NEAR_QUOTAS) {
    for (let k = 0; k < want; k++) {
      const [lo, hi] = must(bins[cycle++ % bins.length], "bin");
      const found = ranked.find((p) => {
        if (p.jaccard < lo || p.jaccard > hi || (hi < 0.99 && p.jaccard >= hi)) return false;
        const metaA = byId.get(p.a);
        const metaB = byId.get(p.b);
        if (!metaA || !metaB || family(metaA.source) !== fam || family(metaB.source) !== fam) return false;
        if ([metaA, metaB].some((m) => m.bytes < 1500 || m.bytes > 16000 || m.textChars < PAGE_MIN_TEXT)) return false;
        // LibreOffice pairs: one per pair of locales, so the five pairs show five different pairings
        if (fam === "libreoffice-help" && perCategory.has(`${metaA.source}|${metaB.source}`)) return false;
        return !clashes(p.a) && !clashes(p.b);
      });
      if (!found) {
        console.warn(`make-sample: no near-duplicate pair for ${fam} with Jaccard in [${lo}, ${hi}]`);
        continue;
      }
      const metaA = must(byId.get(found.a), found.a);
      const metaB = must(byId.get(found.b), found.b);
      // the pair's members are related to each other; nothing else may be
      taken.add(found.a);
      taken.add(found.b);
      perCategory.set(`${metaA.source}|${metaB.source}`, (perCategory.get(`${metaA.source}|${metaB.source}`) ?? 0) + 1);
      pairs.push({ ...found, metaA, metaB });
    }
  }

  const pages: CorpusMeta[] = [];
  for (const [source, lang, n] of PAGE_QUOTAS) {
    const pool = metas.filter((m) => m.source === source && m.lang === lang && m.bytes >= PAGE_MIN_BYTES && m.bytes <= PAGE_MAX_BYTES && m.textChars >= PAGE_MIN_TEXT);
    let got = 0;
    for (const m of byRank(pool, "page", (x) => x.id)) {
      if (got >= n) break;
      if (clashes(m.id)) continue;
      taken.add(m.id);
      pages.push(m);
      got++;
    }
    if (got < n) console.warn(`make-sample: only ${got}/${n} pages for ${source} (${lang})`);
  }
  for (const m of metas) {
    if (m.source.startsWith("warc:") && m.bytes <= CC_MAX_BYTES && !clashes(m.id)) {
      taken.add(m.id);
      pages.push({ ...m, lang: "en" });
    }
  }
  return { pages, pairs };
}

// ---------------------------------------------------------------------------------------------
// synthetic pages: a few site skins so they look like the rest of a crawl

type SkinStyle = "semantic" | "divs" | "table";

interface Site {
  readonly name: string;
  readonly host: string;
  readonly lang: string;
  readonly nav: readonly string[];
  readonly style: SkinStyle;
  readonly tagline?: string;
}

const NAV: Record<string, readonly string[]> = {
  en: ["Home", "News", "Products", "Blog", "About us", "Contact"],
  de: ["Startseite", "Aktuelles", "Produkte", "Blog", "Über uns", "Kontakt", "Impressum"],
  fr: ["Accueil", "Actualités", "Produits", "Blog", "À propos", "Contact", "Mentions légales"],
  es: ["Inicio", "Noticias", "Productos", "Blog", "Quiénes somos", "Contacto", "Aviso legal"],
  "zh-CN": ["首页", "新闻", "文档", "下载", "社区", "关于我们"],
  "zh-TW": ["首頁", "新聞", "文件", "下載", "社群", "關於我們"],
  ja: ["ホーム", "ニュース", "ドキュメント", "ダウンロード", "コミュニティ", "お問い合わせ"],
  th: ["หน้าแรก", "ข่าวสาร", "เอกสาร", "ดาวน์โหลด", "ชุมชน", "ติดต่อเรา"],
};

const FOOTER: Record<string, string> = {
  en: "All rights reserved.",
  de: "Alle Rechte vorbehalten.",
  fr: "Tous droits réservés.",
  es: "Todos los derechos reservados.",
  "zh-CN": "版权所有。",
  "zh-TW": "版權所有。",
  ja: "無断転載を禁じます。",
  th: "สงวนลิขสิทธิ์",
};

const FOOTER_LINKS: Record<string, readonly string[]> = {
  en: ["Privacy policy", "Terms of use", "Cookie settings", "Sitemap"],
  de: ["Datenschutz", "AGB", "Cookie-Einstellungen", "Sitemap"],
  fr: ["Confidentialité", "Conditions d'utilisation", "Gestion des cookies", "Plan du site"],
  es: ["Privacidad", "Condiciones de uso", "Configuración de cookies", "Mapa del sitio"],
  "zh-CN": ["隐私政策", "使用条款", "网站地图"],
  "zh-TW": ["隱私權政策", "使用條款", "網站地圖"],
  ja: ["プライバシーポリシー", "利用規約", "サイトマップ"],
  th: ["นโยบายความเป็นส่วนตัว", "ข้อกำหนดการใช้งาน", "แผนผังเว็บไซต์"],
};

const COOKIE: Record<string, readonly [string, string, string]> = {
  en: ["We use cookies to improve your experience, analyse traffic and show personalised ads. By clicking “Accept all” you agree to our use of cookies.", "Accept all", "Manage preferences"],
  de: ["Wir verwenden Cookies, um Ihnen ein optimales Erlebnis zu bieten und die Zugriffe zu analysieren. Mit „Alle akzeptieren“ stimmen Sie der Verwendung zu.", "Alle akzeptieren", "Einstellungen"],
  fr: ["Nous utilisons des cookies pour améliorer votre expérience et mesurer l'audience. En cliquant sur « Tout accepter », vous consentez à leur utilisation.", "Tout accepter", "Personnaliser"],
  es: ["Utilizamos cookies propias y de terceros para mejorar tu experiencia y analizar el tráfico. Al pulsar «Aceptar todas» aceptas su uso.", "Aceptar todas", "Configurar"],
};

const slug = (s: string): string =>
  s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "page";

interface PageSpec {
  readonly site: Site;
  readonly path: string;
  readonly title: string;
  readonly main: string;
  readonly sidebar?: string;
  readonly cookieBanner?: boolean;
  readonly description?: string;
  readonly keywords?: string;
  readonly noMain?: boolean;
}

function navHtml(site: Site): string {
  return site.nav.map((label, i) => `<li><a href="/${i === 0 ? "" : `${slug(label)}/`}">${escapeHtml(label)}</a></li>`).join("\n");
}

function cookieHtml(lang: string): string {
  const [msg, yes, prefs] = COOKIE[lang] ?? must(COOKIE["en"], "cookie text");
  return `<div id="cookie-consent" class="cookie-banner" role="dialog" aria-live="polite">
<p>${escapeHtml(msg)} <a href="/privacy/">${lang === "de" ? "Mehr erfahren" : lang === "fr" ? "En savoir plus" : lang === "es" ? "Más información" : "Learn more"}</a></p>
<button class="btn-accept" onclick="acceptCookies()">${escapeHtml(yes)}</button> <button class="btn-prefs">${escapeHtml(prefs)}</button>
</div>`;
}

function renderPage(spec: PageSpec): { url: string; html: string } {
  const { site } = spec;
  const lang = site.lang;
  const url = `https://${site.host}${spec.path}`;
  const year = 2024;
  const footerLinks = (FOOTER_LINKS[lang] ?? must(FOOTER_LINKS["en"], "footer links")).map((l) => `<a href="/${slug(l)}/">${escapeHtml(l)}</a>`).join(" | ");
  const head = `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(spec.title)} | ${escapeHtml(site.name)}</title>
${spec.description ? `<meta name="description" content="${escapeHtml(spec.description)}">\n` : ""}${spec.keywords ? `<meta name="keywords" content="${escapeHtml(spec.keywords)}">\n` : ""}<link rel="canonical" href="${url}">
<link rel="stylesheet" href="/assets/css/site.min.css?v=${(spec.path.length % 7) + 2}">
<style>.cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#fff;padding:1em}.visually-hidden{position:absolute;left:-9999px}</style>
<script async src="/assets/js/analytics.js"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-XXXXXXX');</script>
</head>`;
  const cookie = spec.cookieBanner ? `\n${cookieHtml(lang)}` : "";
  const copyright = `© ${year} ${escapeHtml(site.name)}. ${escapeHtml(FOOTER[lang] ?? must(FOOTER["en"], "footer"))}`;
  let body: string;
  if (site.style === "semantic") {
    body = `<body>
<a class="visually-hidden" href="#content">Skip to content</a>
<header class="site-header">
<a class="logo" href="/"><img src="/assets/img/logo.svg" alt="${escapeHtml(site.name)}" width="120" height="32"></a>${site.tagline ? `\n<span class="tagline">${escapeHtml(site.tagline)}</span>` : ""}
<nav class="main-nav" aria-label="Main">
<ul>
${navHtml(site)}
</ul>
</nav>
<form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search…"><button type="submit">Go</button></form>
</header>
${spec.noMain ? "" : `<main id="content">
<article>
<h1>${escapeHtml(spec.title)}</h1>
${spec.main}
</article>
</main>
`}${spec.sidebar ? `<aside class="sidebar">\n${spec.sidebar}\n</aside>\n` : ""}<footer class="site-footer">
<p>${copyright}</p>
<p class="footer-links">${footerLinks}</p>
</footer>${cookie}
<script src="/assets/js/site.bundle.js" defer></script>
</body>
</html>
`;
  } else if (site.style === "divs") {
    body = `<body class="page">
<div id="wrapper">
<div id="header"><div class="logo"><a href="/">${escapeHtml(site.name)}</a></div>${site.tagline ? `<div class="slogan">${escapeHtml(site.tagline)}</div>` : ""}</div>
<div id="menu"><ul class="menu">
${navHtml(site)}
</ul></div>
${spec.noMain ? "" : `<div id="content" class="content">
<h1 class="entry-title">${escapeHtml(spec.title)}</h1>
<div class="entry-content">
${spec.main}
</div>
</div>
`}${spec.sidebar ? `<div id="sidebar" class="widget-area">\n${spec.sidebar}\n</div>\n` : ""}<div id="footer"><div class="copyright">${copyright}</div><div class="links">${footerLinks}</div></div>
</div>${cookie}
</body>
</html>
`;
  } else {
    body = `<body bgcolor="#ffffff" topmargin="0" leftmargin="0">
<table width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td class="top" colspan="2"><a href="/"><font size="6" color="#cc0000"><b>${escapeHtml(site.name)}</b></font></a>${site.tagline ? `<br><font size="2">${escapeHtml(site.tagline)}</font>` : ""}</td></tr>
<tr><td class="leftnav" width="180" valign="top"><ul>
${navHtml(site)}
</ul>${spec.sidebar ? `\n${spec.sidebar}` : ""}</td>
<td valign="top">${spec.noMain ? "&nbsp;" : `<h1>${escapeHtml(spec.title)}</h1>
${spec.main}`}</td></tr>
<tr><td colspan="2" align="center"><font size="1">${copyright} ${footerLinks}</font></td></tr>
</table>${cookie}
</body>
</html>
`;
  }
  return { url, html: `${head}\n${body}` };
}

const paras = (ps: readonly string[]): string => ps.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n");

function relatedSidebar(lang: string, items: readonly string[]): string {
  const titles: Record<string, string> = { en: "Related posts", de: "Ähnliche Beiträge", fr: "Articles similaires", es: "Artículos relacionados" };
  const h = titles[lang] ?? "Related";
  return `<h3>${h}</h3>\n<ul>\n${items.map((t) => `<li><a href="/${slug(t)}/">${escapeHtml(t)}</a></li>`).join("\n")}\n</ul>`;
}

// ---------------------------------------------------------------------------------------------
// 4. spam

interface SpamTheme {
  readonly lang: string;
  readonly site: string;
  readonly host: string;
  readonly keywords: readonly string[];
  readonly filler: readonly string[];
}

const SPAM_THEMES: Record<string, SpamTheme> = {
  watches: {
    lang: "en",
    site: "Cheap Watches Outlet",
    host: "cheap-watches-outlet.example",
    keywords: ["cheap watches", "best cheap watches", "buy cheap watches", "cheap watches online", "cheap watches for men", "cheap watches sale", "discount watches", "cheap luxury watches", "replica watches cheap"],
    filler: ["free shipping", "best price", "top quality", "order now", "limited offer", "100% guaranteed", "lowest price online"],
  },
  loans: {
    lang: "en",
    site: "FastCash Loans Now",
    host: "fastcash-loans-now.example",
    keywords: ["payday loans", "fast payday loans", "payday loans online", "bad credit loans", "instant cash loans", "same day loans", "no credit check loans", "easy payday loans"],
    filler: ["apply today", "approved in minutes", "no paperwork", "cash in your account today", "guaranteed approval"],
  },
  pills: {
    lang: "en",
    site: "Slim Fast Pills Shop",
    host: "slimfast-pills-shop.example",
    keywords: ["weight loss pills", "best weight loss pills", "diet pills that work", "fat burner pills", "lose weight fast", "cheap diet pills", "weight loss pills online"],
    filler: ["doctor approved", "lose 10 kg in 2 weeks", "no diet no exercise", "buy now", "free trial", "money back guarantee"],
  },
  casino: {
    lang: "en",
    site: "Top Casino Bonus 2024",
    host: "top-casino-bonus-2024.example",
    keywords: ["online casino", "casino bonus", "best online casino", "free spins", "no deposit bonus", "casino bonus codes", "real money casino", "online slots"],
    filler: ["claim now", "100 free spins", "instant withdrawal", "play now", "welcome bonus"],
  },
  handbags: {
    lang: "en",
    site: "Replica Bags Store",
    host: "replica-bags-store.example",
    keywords: ["replica handbags", "cheap replica handbags", "designer handbags cheap", "replica bags online", "best replica handbags", "fake designer bags"],
    filler: ["wholesale price", "free shipping worldwide", "top quality", "buy now"],
  },
  seo: {
    lang: "en",
    site: "Rank1 SEO Services",
    host: "rank1-seo-services.example",
    keywords: ["seo services", "cheap seo services", "best seo company", "buy backlinks", "seo backlinks", "rank first on google", "local seo services"],
    filler: ["guaranteed results", "1000 backlinks", "page one in 7 days", "order today"],
  },
  uhren: {
    lang: "de",
    site: "Billige Uhren Shop",
    host: "billige-uhren-shop.example",
    keywords: ["billige uhren", "uhren günstig kaufen", "billige uhren online", "günstige herrenuhren", "uhren billig", "luxusuhren billig", "uhren sale"],
    filler: ["kostenloser versand", "bester preis", "jetzt bestellen", "nur heute", "top qualität"],
  },
  kredit: {
    lang: "de",
    site: "Kredit Sofort Online",
    host: "kredit-sofort-online.example",
    keywords: ["kredit ohne schufa", "sofortkredit", "kredit sofort", "kredit online", "schnell kredit", "kredit trotz schufa", "günstiger kredit"],
    filler: ["sofortzusage", "auszahlung in 24 stunden", "jetzt beantragen", "ohne papierkram"],
  },
  relojes: {
    lang: "es",
    site: "Relojes Baratos Online",
    host: "relojes-baratos-online.example",
    keywords: ["relojes baratos", "comprar relojes baratos", "relojes baratos online", "relojes de lujo baratos", "mejores relojes baratos", "relojes hombre baratos"],
    filler: ["envío gratis", "mejor precio", "compra ahora", "oferta limitada", "calidad garantizada"],
  },
  prestamos: {
    lang: "es",
    site: "Préstamos Rápidos Ya",
    host: "prestamos-rapidos-ya.example",
    keywords: ["préstamos rápidos", "préstamos online", "préstamos sin nómina", "dinero rápido", "créditos rápidos", "préstamos urgentes"],
    filler: ["aprobación inmediata", "sin papeleos", "dinero en 10 minutos", "solicita ahora"],
  },
  casinoEs: {
    lang: "es",
    site: "Casino Online Bono",
    host: "casino-online-bono.example",
    keywords: ["casino online", "bono sin depósito", "tiradas gratis", "mejor casino online", "casino con dinero real", "tragaperras online"],
    filler: ["juega ahora", "100 tiradas gratis", "retiros instantáneos", "bono de bienvenida"],
  },
};

function stuffedText(rng: Rng, t: SpamTheme, words: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < words) {
    const phrase = rng.next() < 0.75 ? rng.pick(t.keywords) : rng.pick(t.filler);
    out.push(phrase);
    n += phrase.split(" ").length;
  }
  return out
    .map((phrase, i) => (i > 0 && rng.next() < 0.15 ? `, ${phrase}` : ` ${phrase}`))
    .join("")
    .trim()
    .replace(/^./, (c) => c.toUpperCase());
}

function spamDocs(): Doc[] {
  const rng = new Rng("spam");
  const docs: Doc[] = [];
  let n = 0;
  const add = (theme: SpamTheme, style: SkinStyle, build: (t: SpamTheme) => Omit<PageSpec, "site">, variant: string): void => {
    const site: Site = { name: theme.site, host: theme.host, lang: theme.lang, nav: NAV[theme.lang] ?? must(NAV["en"], "nav"), style };
    const spec = build(theme);
    const { url, html } = renderPage({ ...spec, site });
    docs.push(makeDoc({ id: `spam-${pad(++n)}`, kind: "spam", lang: theme.lang, source: "synthetic", url, note: variant }, html));
  };
  const theme = (k: string): SpamTheme => must(SPAM_THEMES[k], `spam theme ${k}`);

  const keywordPage = (t: SpamTheme): Omit<PageSpec, "site"> => {
    const k0 = must(t.keywords[0], "keyword");
    const ps = Array.from({ length: rng.between(4, 7) }, () => stuffedText(rng, t, rng.between(45, 90)) + ".");
    const hidden = `<div style="display:none">${escapeHtml(t.keywords.join(" "))} ${escapeHtml(t.keywords.join(", "))}</div>`;
    return {
      path: `/${slug(k0)}-${slug(rng.pick(t.keywords))}.html`,
      title: t.keywords.slice(0, 4).map((k) => k.replace(/\b\p{L}/gu, (c) => c.toUpperCase())).join(" | "),
      description: t.keywords.join(", "),
      keywords: t.keywords.join(","),
      main: `${ps.map((p, i) => (i === 1 ? `<h2>${escapeHtml(rng.pick(t.keywords))}</h2>\n` : "") + `<p>${escapeHtml(p)}</p>`).join("\n")}\n${hidden}\n<p><a href="/shop/"><b>${escapeHtml(rng.pick(t.filler).toUpperCase())}</b></a></p>`,
      sidebar: `<ul>\n${t.keywords.map((k) => `<li><a href="/${slug(k)}/">${escapeHtml(k)}</a></li>`).join("\n")}\n</ul>`,
    };
  };
  const linkFarm = (t: SpamTheme): Omit<PageSpec, "site"> => {
    const mods = t.lang === "de" ? ["günstig", "2024", "Test", "Vergleich", "Berlin", "online", "sofort", "top 10"] : t.lang === "es" ? ["2024", "online", "Madrid", "gratis", "opiniones", "top 10", "hoy", "México"] : ["2024", "online", "near me", "reviews", "top 10", "deals", "UK", "USA", "free", "today"];
    const links: string[] = [];
    for (let i = 0; i < 60; i++) {
      const a = `${rng.pick(t.keywords)} ${rng.pick(mods)}`;
      links.push(`<li><a href="https://${slug(a)}-${rng.between(1, 99)}.example/?ref=${t.host}">${escapeHtml(a)}</a></li>`);
    }
    const intro = t.lang === "de" ? "Partnerseiten und nützliche Links:" : t.lang === "es" ? "Sitios amigos y enlaces útiles:" : "Partner sites and useful resources:";
    return {
      path: `/links/page-${rng.between(2, 40)}.html`,
      title: `${must(t.keywords[0], "keyword")} – ${t.lang === "de" ? "Linkverzeichnis" : t.lang === "es" ? "Directorio de enlaces" : "Link Directory"}`,
      main: `<p>${escapeHtml(intro)}</p>\n<ul class="links">\n${links.join("\n")}\n</ul>`,
    };
  };
  const clickHere = (t: SpamTheme): Omit<PageSpec, "site"> => {
    const es = t.lang === "es";
    const lines = es
      ? ["¡¡¡FELICIDADES!!! Has sido seleccionado como el GANADOR de hoy.", "HAZ CLIC AQUÍ para reclamar tu premio AHORA.", "¡Oferta válida solo por 10 minutos! ¡No te lo pierdas!", "Haz clic aquí. Haz clic aquí. HAZ CLIC AQUÍ YA.", "Miles de personas ya han cobrado su premio. ¿A qué esperas?"]
      : ["CONGRATULATIONS!!! You have been selected as today's LUCKY WINNER!", "CLICK HERE to claim your prize NOW!!!", "This offer expires in 10 minutes! Don't miss out!", "Click here. Click here. CLICK HERE NOW!!!", "Thousands of people have already claimed their reward. What are you waiting for?", "100% FREE. No credit card required. Act now!"];
    const cta = es ? "HAZ CLIC AQUÍ" : "CLICK HERE";
    const blocks: string[] = [];
    for (let i = 0; i < rng.between(9, 14); i++) {
      blocks.push(`<p><font color="${rng.pick(["red", "#ff0000", "blue", "green"])}"><b>${escapeHtml(rng.pick(lines))}</b></font></p>`);
      if (i % 2 === 0) blocks.push(`<p><a href="https://${t.host}/go.php?id=${rng.between(1000, 9999)}"><b>&gt;&gt;&gt; ${cta} &lt;&lt;&lt;</b></a></p>`);
    }
    blocks.push(`<p>${escapeHtml(stuffedText(rng, t, 40))}</p>`);
    return { path: `/win/${rng.between(100000, 999999)}.html`, title: es ? "¡¡¡HAS GANADO!!! HAZ CLIC AQUÍ" : "YOU HAVE WON!!! CLICK HERE", main: blocks.join("\n") };
  };
  const repeated = (t: SpamTheme): Omit<PageSpec, "site"> => {
    const line = `${rng.pick(t.keywords)} – ${rng.pick(t.filler)} – ${rng.pick(t.keywords)}`.replace(/^./, (c) => c.toUpperCase());
    const times = rng.between(30, 50);
    const rows = Array.from({ length: times }, (_, i) => (i % 11 === 10 ? `<p>${escapeHtml(line)}!!!</p>` : `<p>${escapeHtml(line)}</p>`));
    return { path: `/${slug(line).slice(0, 40)}/`, title: line, main: rows.join("\n") };
  };

  add(theme("watches"), "table", keywordPage, "keyword stuffing");
  add(theme("loans"), "divs", keywordPage, "keyword stuffing");
  add(theme("pills"), "semantic", keywordPage, "keyword stuffing + hidden text");
  add(theme("seo"), "divs", keywordPage, "keyword stuffing");
  add(theme("casino"), "semantic", linkFarm, "link farm (60 anchors)");
  add(theme("handbags"), "table", linkFarm, "link farm (60 anchors)");
  add(theme("seo"), "semantic", linkFarm, "link farm (60 anchors)");
  add(theme("watches"), "divs", linkFarm, "link farm (60 anchors)");
  add(theme("casino"), "table", clickHere, "click-here page");
  add(theme("pills"), "table", clickHere, "click-here page");
  add(theme("loans"), "semantic", clickHere, "click-here page");
  add(theme("handbags"), "divs", repeated, "repeated lines");
  add(theme("watches"), "semantic", repeated, "repeated lines");
  add(theme("casino"), "divs", repeated, "repeated lines");
  add(theme("uhren"), "table", keywordPage, "keyword stuffing");
  add(theme("kredit"), "divs", linkFarm, "link farm (60 anchors)");
  add(theme("uhren"), "semantic", repeated, "repeated lines");
  add(theme("relojes"), "divs", keywordPage, "keyword stuffing");
  add(theme("casinoEs"), "table", clickHere, "click-here page");
  add(theme("prestamos"), "semantic", linkFarm, "link farm (60 anchors)");
  return docs;
}

// ---------------------------------------------------------------------------------------------
// 5. profanity and false positives

type Blocklists = Record<string, readonly string[]>;

function readBlocklists(langs: readonly string[]): Blocklists {
  const lists: Record<string, readonly string[]> = {};
  for (const lang of langs) lists[lang] = JSON.parse(readFileSync(join(CORPUS_DIR, "blocklists", `${lang}.json`), "utf8")) as string[];
  return lists;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whole-word, case-insensitive hits of a list in `text` (the way a simple filter would match). */
function blocklistHits(text: string, list: readonly string[]): string[] {
  const hits = new Set<string>();
  for (const word of list) {
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(word)}(?![\\p{L}\\p{N}])`, "iu");
    if (re.test(text)) hits.add(word);
  }
  return [...hits].sort(compareStrings);
}

interface ProfanitySpec {
  readonly lang: string;
  readonly site: Site;
  readonly path: string;
  readonly title: string;
  readonly body: (w: (word: string) => string) => string;
  readonly words: readonly string[];
  readonly note: string;
}

function profanityDocs(lists: Blocklists): Doc[] {
  const site = (name: string, host: string, lang: string, style: SkinStyle): Site => ({ name, host, lang, nav: NAV[lang] ?? must(NAV["en"], "nav"), style });
  const post = (user: string, when: string, text: string): string => `<div class="post"><div class="post-meta"><b>${escapeHtml(user)}</b> · <span class="date">${escapeHtml(when)}</span></div>\n<div class="post-body"><p>${text}</p></div></div>`;
  const e = escapeHtml;
  const specs: ProfanitySpec[] = [
    {
      lang: "en",
      site: site("TechHelp Forums", "forums.techhelp.example", "en", "divs"),
      path: "/t/laptop-wont-boot-after-firmware-update/48213",
      title: "Laptop won't boot after firmware update",
      words: ["bullshit", "fuck", "asshole", "shit"],
      note: "forum thread, en",
      body: (w) =>
        [
          post("kevin_m", "3 days ago", e(`Installed the vendor firmware update last night and now the laptop just shows a black screen with the fan at full speed. This is complete ${w("bullshit")}. I have a presentation on Monday and every file I need is on that drive.`)),
          post("sarah.k", "3 days ago", e(`Same here. What the ${w("fuck")} were they thinking pushing this update to everyone at once? Try holding the power button for 30 seconds with the charger unplugged, that brought mine back to the boot menu.`)),
          post("kevin_m", "2 days ago", e(`Tried that. The support guy on the phone was a total ${w("asshole")} about it, told me I must have interrupted the update myself. I did not.`)),
          post("old_greg", "2 days ago", e(`Pull the drive and copy your files from another machine first, then worry about the firmware. The recovery image on their site is ${w("shit")} but it does work if you write it with dd rather than their own tool.`)),
          post("kevin_m", "yesterday", e("Update for anyone finding this later: the recovery image worked after two attempts. Files are safe. Thanks everyone.")),
        ].join("\n"),
    },
    {
      lang: "en",
      site: site("Reel Opinions", "reelopinions.example", "en", "semantic"),
      path: "/reviews/2024/midnight-heist-review/",
      title: "Review: Midnight Heist is loud, long and forgettable",
      words: ["bastard", "shitty", "motherfucker"],
      note: "film review, en",
      body: (w) =>
        paras([
          "Midnight Heist wants very badly to be a clever caper. It has the split screens, the smirking crew and the synth soundtrack, but it forgets to give anyone a reason to care whether the vault ever opens.",
          `The script leans on shouting instead of wit. By the third time the villain growls "you lying ${w("bastard")}" at a handcuffed accountant, the line has lost whatever menace it had.`,
          `There are good moments. The rooftop chase is well staged, and the one scene in which the crew argues over a ${w("shitty")} rental van is genuinely funny, mostly because the actors seem to be improvising.`,
          `The finale, in which the hero finally calls the boss a "cold-hearted ${w("motherfucker")}" and walks away from the money, should land. It does not, because we have spent two hours and twenty minutes not knowing who these people are.`,
          "Two stars out of five. Wait for it to turn up on a streaming service, and watch it with the sound down.",
        ]),
    },
    {
      lang: "en",
      site: site("Riverside Gazette", "riversidegazette.example", "en", "semantic"),
      path: "/news/local/2024/03/new-parking-rules-town-centre",
      title: "New parking rules for the town centre from April",
      words: ["dick", "bitch", "fucking"],
      note: "news article with reader comments, en",
      body: (w) =>
        paras([
          "From the first of April, drivers will be able to park for a maximum of two hours in the town centre between 8am and 6pm, the council confirmed on Tuesday. Residents with a permit are exempt.",
          "The council says the change is meant to free up spaces for shoppers. Traders on the high street are divided: some welcome the turnover, others fear customers will simply drive to the retail park instead.",
        ]) +
        `\n<section class="comments"><h2>Comments (3)</h2>\n` +
        [
          post("MikeT", "2 hours ago", e(`Two hours is nothing. Some ${w("dick")} in a van already parks across two bays outside the bakery every morning and nobody ever fines him.`)),
          post("jen_r", "1 hour ago", e(`Stop moaning and walk for once. My neighbour called me a ${w("bitch")} for asking him not to block my drive, so good luck to the wardens.`)),
          post("anon1977", "1 hour ago", e(`Another ${w("fucking")} rule that will be enforced on everyone except the people causing the problem.`)),
        ].join("\n") +
        "\n</section>",
    },
    {
      lang: "en",
      site: site("GameNight Community", "community.gamenight.example", "en", "divs"),
      path: "/streams/archive/ranked-night-42/chat",
      title: "Ranked night #42 – chat log",
      words: ["fuck", "shit", "bollocks", "wank"],
      note: "chat transcript, en",
      body: (w) =>
        `<pre class="chatlog">${e(
          [
            "[20:01] <host_ali> welcome back everyone, ranked night 42, same rules as last week",
            "[20:02] <pixelpete> hi all",
            `[20:05] <noob_slayer> ${w("fuck")} this lag, third disconnect tonight`,
            "[20:05] <host_ali> server is in frankfurt, if you are far away try the backup lobby",
            `[20:07] <pixelpete> that last round was absolute ${w("bollocks")}, the timer reset twice`,
            `[20:09] <noob_slayer> ${w("shit")} i just lost 40 points to a bug`,
            "[20:10] <host_ali> i will check the replay and refund if it was the timer",
            `[20:12] <mara_v> whoever keeps spamming the lobby with that ${w("wank")} emote, please stop`,
            "[20:15] <host_ali> next round starts in two minutes, good luck",
          ].join("\n"),
        )}</pre>`,
    },
    {
      lang: "de",
      site: site("Handy-Forum", "forum.handyhilfe.example", "de", "divs"),
      path: "/thread/akku-nach-update-leer-19932",
      title: "Akku nach Update ständig leer",
      words: ["scheiße", "arschloch", "vollpfosten"],
      note: "forum thread, de",
      body: (w) =>
        [
          post("jonas_k", "vor 4 Tagen", e(`Seit dem letzten Systemupdate hält mein Akku keinen halben Tag mehr. Was für eine ${w("Scheiße")}, vorher kam ich locker zwei Tage hin.`)),
          post("Petra63", "vor 4 Tagen", e("Bei mir genauso. Schau mal unter Einstellungen, Akku, welche App so viel verbraucht. Bei mir war es die Wetter-App, die ständig den Standort abgefragt hat.")),
          post("jonas_k", "vor 3 Tagen", e(`Danke, das war es tatsächlich. Der Typ im Laden war übrigens ein richtiges ${w("Arschloch")}, der wollte mir gleich ein neues Handy verkaufen.`)),
          post("mod_stefan", "vor 3 Tagen", e(`Bitte sachlich bleiben. Und wer auch immer im anderen Thread ständig andere als ${w("Vollpfosten")} beschimpft: das war die letzte Warnung.`)),
        ].join("\n"),
    },
    {
      lang: "de",
      site: site("Stadtblog Kiel", "stadtblog-kiel.example", "de", "semantic"),
      path: "/2024/05/baustelle-holstenstrasse/",
      title: "Baustelle Holstenstraße: Ende nicht in Sicht",
      words: ["kacke", "wichser"],
      note: "blog post with comments, de",
      body: (w) =>
        paras([
          "Seit elf Wochen ist die Holstenstraße zwischen dem Bahnhof und dem Markt nur einspurig befahrbar. Ursprünglich sollte die Baustelle Ende April fertig sein, jetzt spricht die Stadt von Anfang Juli.",
          "Die Geschäfte in der Straße klagen über deutlich weniger Kundschaft. Der Bäcker an der Ecke hat seine Öffnungszeiten bereits verkürzt.",
        ]) +
        "\n<section class=\"comments\">\n" +
        [
          post("Heike", "vor 2 Stunden", e(`So eine ${w("Kacke")}, ich brauche morgens jetzt zwanzig Minuten länger zur Arbeit.`)),
          post("Lars", "vor 1 Stunde", e(`Und dann fährt noch irgendein ${w("Wichser")} mit 60 durch die Baustelle, wenn die Arbeiter daneben stehen.`)),
        ].join("\n") +
        "\n</section>",
    },
    {
      lang: "fr",
      site: site("Forum Box Internet", "forum.box-internet.example", "fr", "divs"),
      path: "/sujet/plus-de-connexion-depuis-la-mise-a-jour-7741",
      title: "Plus de connexion depuis la mise à jour",
      words: ["merde", "putain", "connard"],
      note: "forum thread, fr",
      body: (w) =>
        [
          post("julien_34", "il y a 2 jours", e(`Depuis la mise à jour d'hier soir, plus rien : la box clignote en rouge et aucun appareil ne se connecte. C'est vraiment de la ${w("merde")}.`)),
          post("Nadia", "il y a 2 jours", e(`${w("Putain")}, pareil chez moi. Essaie de la débrancher pendant cinq minutes, puis de maintenir le bouton reset enfoncé.`)),
          post("julien_34", "il y a 1 jour", e(`Le technicien au téléphone a été un vrai ${w("connard")}, il m'a dit que c'était forcément mon câble. Finalement le reset a marché.`)),
        ].join("\n"),
    },
    {
      lang: "fr",
      site: site("Les Bonnes Tables", "lesbonnestables.example", "fr", "semantic"),
      path: "/avis/brasserie-du-port-nantes",
      title: "Brasserie du Port : une soirée ratée",
      words: ["bordel", "enculé"],
      note: "restaurant review with comment, fr",
      body: (w) =>
        paras([
          "Nous avions réservé pour six personnes un samedi soir. À notre arrivée, la table n'était pas prête et on nous a fait attendre quarante minutes au bar sans un mot d'excuse.",
          `En cuisine, c'était visiblement le ${w("bordel")} : les entrées sont arrivées après les plats, et deux assiettes étaient froides.`,
          "Le dessert, une tarte aux pommes maison, était en revanche excellent. Dommage pour le reste.",
        ]) +
        "\n" +
        post("Marc_44", "il y a 3 heures", e(`Le patron m'a traité d'${w("enculé")} quand j'ai demandé l'addition séparée. Plus jamais.`)),
    },
    {
      lang: "es",
      site: site("Foro Móviles", "foro.movilesayuda.example", "es", "divs"),
      path: "/hilo/la-actualizacion-me-ha-borrado-las-fotos-5521",
      title: "La actualización me ha borrado las fotos",
      words: ["mierda", "gilipollas", "cabrón"],
      note: "forum thread, es",
      body: (w) =>
        [
          post("carlos_88", "hace 3 días", e(`He instalado la última actualización y han desaparecido todas las fotos de la galería. Menuda ${w("mierda")} de actualización.`)),
          post("lucia.g", "hace 3 días", e("Mira en la carpeta de la nube, a mí me pasó lo mismo y estaban allí, solo que la galería no las mostraba.")),
          post("carlos_88", "hace 2 días", e(`Gracias, estaban en la nube. El ${w("gilipollas")} de la tienda me dijo que las había perdido para siempre.`)),
          post("pepe_m", "hace 2 días", e(`Qué ${w("cabrón")}, seguro que quería venderte un móvil nuevo.`)),
        ].join("\n"),
    },
    {
      lang: "es",
      site: site("Diario del Barrio", "diariodelbarrio.example", "es", "semantic"),
      path: "/noticias/2024/06/nuevo-carril-bici-avenida-central",
      title: "El nuevo carril bici de la avenida Central divide a los vecinos",
      words: ["hijo de puta", "pendejo"],
      note: "news article with comments, es",
      body: (w) =>
        paras([
          "El ayuntamiento inauguró el lunes el nuevo carril bici de la avenida Central, que conecta la estación con el campus universitario en menos de diez minutos.",
          "Los comerciantes de la zona se quejan de la pérdida de plazas de aparcamiento, mientras que las asociaciones de ciclistas celebran una obra que llevaban años reclamando.",
        ]) +
        "\n<section class=\"comments\">\n" +
        [
          post("Andrés", "hace 1 hora", e(`Esta mañana un ${w("hijo de puta")} en moto iba por el carril bici a toda velocidad.`)),
          post("Marisol", "hace 40 minutos", e(`El ${w("pendejo")} que diseñó el cruce con la calle Mayor nunca ha ido en bici.`)),
        ].join("\n") +
        "\n</section>",
    },
  ];

  const docs: Doc[] = [];
  specs.forEach((s, i) => {
    const list = must(lists[s.lang], `blocklist ${s.lang}`);
    const lower = new Set(list.map((x) => x.toLowerCase()));
    for (const word of s.words) if (!lower.has(word.toLowerCase())) throw new Error(`make-sample: "${word}" is not in the ${s.lang} LDNOOBW list`);
    const main = s.body((word) => word);
    const { url, html } = renderPage({ site: s.site, path: s.path, title: s.title, main, cookieBanner: i % 3 === 0 });
    docs.push(makeDoc({ id: `profanity-${pad(i + 1)}`, kind: "profanity", lang: s.lang, source: "synthetic", url, note: s.note, profanity: s.words }, html));
  });
  return docs;
}

function falsePositiveDocs(): Doc[] {
  const site = (name: string, host: string, style: SkinStyle, tagline?: string): Site => ({ name, host, lang: "en", nav: must(NAV["en"], "nav"), style, ...(tagline ? { tagline } : {}) });
  const pages: Array<{ site: Site; path: string; title: string; ps: string[]; note: string }> = [
    {
      site: site("Iron Valley Football News", "ironvalleyfootball.example", "semantic"),
      path: "/match-reports/scunthorpe-united-2-1-penistone-church",
      title: "Scunthorpe United 2–1 Penistone Church: late winner settles friendly",
      note: "Scunthorpe, Penistone, Arsenal, Cockermouth",
      ps: [
        "Scunthorpe United came from behind to beat Penistone Church 2–1 in a pre-season friendly at Glanford Park on Saturday afternoon.",
        "The visitors took the lead after twenty minutes when their captain headed in a corner at the near post. Scunthorpe, with several trialists in the side, struggled to create chances before the break.",
        "The second half was a different story. A former Arsenal academy player, on trial from a club in Cockermouth, equalised with a low shot from the edge of the area, and substitute Jamie Hancock scored the winner in the 88th minute.",
        "The manager praised the passing in the second half and said two of the trialists would be offered contracts. Scunthorpe travel to Middlesbrough for their next friendly on Wednesday.",
      ],
    },
    {
      site: site("Department of Social Sciences", "socsci.university.example", "divs", "Undergraduate handbook 2024/25"),
      path: "/handbook/modules/research-methods-2/assessment",
      title: "Research Methods II: assessment and analysis",
      note: "assessment, analysis, class, passage, Dickens",
      ps: [
        "This module introduces quantitative analysis of survey data and qualitative analysis of interview transcripts. It is compulsory for all second-year students.",
        "Assessment consists of two parts. The first assessment is a data analysis report of 2,000 words, due in week 8. The second is a group presentation in class, in which each group analyses a passage from a Victorian novel, usually by Charles Dickens or Elizabeth Gaskell, as a historical source.",
        "Students who pass both assessments with a mark of 40 or more pass the module. Resubmission of a failed assessment is capped at 40.",
        "Please note that the analysis software is installed in the computer classrooms on the second floor; licences for home use can be requested through the IT service desk.",
      ],
    },
    {
      site: site("Weekend Walker", "weekendwalker.example", "semantic"),
      path: "/guides/coast-and-downs-sussex-essex/",
      title: "Coast and downs: two weekends in Sussex and Essex",
      note: "Sussex, Essex, Middlesex, Wessex, Shitterton",
      ps: [
        "The South Downs Way runs for a hundred miles across West Sussex and East Sussex, from Winchester to Eastbourne. Our first weekend covers the final section, from Alfriston over the Seven Sisters to Beachy Head.",
        "For the second weekend we head north-east to the Essex coast. The sea wall path from Maldon to Burnham-on-Crouch is flat, quiet and full of wading birds in winter.",
        "If you are coming from London, trains from Middlesex stations connect at Liverpool Street for Essex and at Victoria for Sussex. Those with more time can carry on west into old Wessex, where the Dorset hamlet of Shitterton is a favourite stop for photographers of road signs.",
        "Pack waterproofs: the Sussex chalk is slippery after rain, and the Essex marshes have no shelter at all.",
      ],
    },
    {
      site: site("The Home Bar", "thehomebar.example", "divs"),
      path: "/recipes/three-classic-cocktails",
      title: "Three classic cocktails to make at home",
      note: "cocktail, cockpit, peacock, Hancock, stopcock",
      ps: [
        "A good cocktail needs only a few ingredients, but they have to be fresh. Squeeze your citrus just before mixing, and keep plenty of ice in the freezer.",
        "The first cocktail is a classic daiquiri: 60 ml white rum, 25 ml lime juice and 15 ml sugar syrup, shaken hard and strained into a chilled coupe.",
        "The second, a negroni, is stirred rather than shaken: equal parts gin, vermouth and bitter aperitif over ice, with a strip of orange peel. Our friend Hancock, a retired pilot, swears it tasted better in the cockpit lounge at Heathrow.",
        "The third is a Peacock Fizz of our own invention. And a practical tip from a reader: before hosting a cocktail party, check the stopcock under the sink. Nobody wants a flood during the toasts.",
      ],
    },
    {
      site: site("Lab Notes", "labnotes.example", "semantic"),
      path: "/methods/titration-analysis-basics",
      title: "Titration analysis: the basics",
      note: "analysis, analyst, assay, cumulative, titration, Essex",
      ps: [
        "Titration is one of the oldest methods of quantitative analysis. A solution of known concentration is added to the sample until the reaction is complete, which is usually shown by a colour change.",
        "Each analyst should repeat the assay at least three times and report the mean. Cumulative errors from reading the burette are the most common reason for poor results in class.",
        "For the assessment of water hardness, the standard method uses EDTA with an indicator that turns from wine red to blue at the end point. Samples from the Essex chalk aquifer are typically very hard.",
        "Record every reading in the lab book, including failed runs. A clear record makes later analysis and any assessment by the demonstrator much easier.",
      ],
    },
  ];
  return pages.map((p, i) => {
    const { url, html } = renderPage({ site: p.site, path: p.path, title: p.title, main: paras(p.ps), cookieBanner: i === 2 });
    return makeDoc({ id: `falsepos-${pad(i + 1)}`, kind: "falsepos", lang: "en", source: "synthetic", url, note: `clean; contains ${p.note}` }, html);
  });
}

// ---------------------------------------------------------------------------------------------
// 6. near-empty pages

function emptyDocs(): Doc[] {
  const docs: Doc[] = [];
  let n = 0;
  const push = (url: string, html: string, lang: string, note: string): void => {
    docs.push(makeDoc({ id: `empty-${pad(++n)}`, kind: "empty", lang, source: "synthetic", url, note }, html));
  };
  const site = (name: string, host: string, lang: string, style: SkinStyle): Site => ({ name, host, lang, nav: NAV[lang] ?? must(NAV["en"], "nav"), style });

  // navigation only
  for (const [s, path] of [
    [site("Northwind Outdoor", "www.northwind-outdoor.example", "en", "semantic"), "/category/tents/?page=7"],
    [site("Bäckerei Lindner", "www.baeckerei-lindner.example", "de", "divs"), "/sortiment/"],
    [site("Atelier Moreau", "atelier-moreau.example", "fr", "table"), "/galerie/2019/"],
  ] as const) {
    const { url, html } = renderPage({ site: s, path, title: s.nav[2] ?? s.name, main: "", noMain: true, sidebar: `<ul>\n${s.nav.map((l) => `<li><a href="/${slug(l)}/">${escapeHtml(l)}</a></li>`).join("\n")}\n</ul>` });
    push(url, html, s.lang, "navigation only");
  }
  // cookie banner only
  for (const [s, path] of [
    [site("Metro Daily", "www.metrodaily.example", "en", "semantic"), "/2024/02/17/live-updates/"],
    [site("Tienda Sol", "tiendasol.example", "es", "divs"), "/ofertas/"],
  ] as const) {
    const { url, html } = renderPage({ site: { ...s, nav: [] }, path, title: s.name, main: "", noMain: true, cookieBanner: true });
    push(url, html, s.lang, "cookie banner only");
  }
  // one-line error pages, as servers send them
  push("https://shop.lakeside-crafts.example/products/old-item-2291", `<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`, "en", "nginx 404");
  push("https://www.harbourview-dental.example/team/dr-old.html", `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n<address>Apache/2.4.57 (Debian) Server at www.harbourview-dental.example Port 443</address>\n</body></html>\n`, "en", "Apache 404");
  push("https://intranet.orbital-logistics.example/reports/", `<html><head><title>403 Forbidden</title></head><body><h1>Access denied</h1></body></html>`, "en", "403 one-liner");
  // a JavaScript app shell
  push(
    "https://app.taskpilot.example/dashboard",
    `<!doctype html><html lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width,initial-scale=1"/><title>TaskPilot</title><link rel="icon" href="/favicon.ico"/><script defer="defer" src="/static/js/main.4f2a9c1e.js"></script><link href="/static/css/main.8d1b2e77.css" rel="stylesheet"></head><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div><script>window.__INITIAL_STATE__={"user":null,"flags":{"beta":false}};</script></body></html>`,
    "en",
    "JavaScript app shell",
  );
  // a parked domain
  push(
    "https://www.sunny-meadow-farm.example/",
    `<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>sunny-meadow-farm.example</title><style>body{font-family:sans-serif;text-align:center;margin-top:20%}</style></head>\n<body>\n<div class="parked"><h1>sunny-meadow-farm.example</h1><p>This domain may be for sale.</p><p><a href="https://registrar.example/buy?d=sunny-meadow-farm.example">Inquire now</a></p></div>\n<script src="https://parking.example/ads.js"></script>\n</body>\n</html>\n`,
    "en",
    "parked domain",
  );
  return docs;
}

// ---------------------------------------------------------------------------------------------
// 7. the test set (Sherlock Holmes, public domain) and pages that quote it

interface TestItem {
  readonly id: string;
  readonly question: string;
  readonly answer: string;
}

function sherlockSentences(): string[] {
  const raw = readFileSync(join(CORPUS_DIR, "decontam", "sherlock.txt"), "utf8").replace(/\r\n?/g, "\n");
  const start = raw.indexOf("*** START OF");
  const end = raw.indexOf("*** END OF");
  if (start < 0 || end < 0) throw new Error("make-sample: sherlock.txt has no Gutenberg START/END markers");
  const body = raw.slice(raw.indexOf("\n", start) + 1, end);
  const out: string[] = [];
  for (const para of body.split(/\n\s*\n/)) {
    const p = para.replace(/\s+/g, " ").trim().replace(/\b(Mr|Mrs|Dr|St|Messrs)\./g, "$1\u0001");
    for (const s of p.split(/(?<=[.!?])\s+(?=[A-Z])/)) {
      const sentence = s.replace(/\u0001/g, ".");
      const words = sentence.split(" ");
      if (words.length < 20 || words.length > 40) continue;
      if (!/^[A-Z]/.test(sentence) || !sentence.endsWith(".")) continue;
      if (/["_\[\]]/.test(sentence) || /(^|\s)'|'(\s|$)|[.,!?;]'/.test(sentence) || /Gutenberg/i.test(sentence)) continue;
      out.push(sentence);
    }
  }
  return out;
}

function makeTestset(): TestItem[] {
  const sentences = sherlockSentences();
  const chosen = byRank(
    sentences.map((s, i) => ({ s, i })),
    "testset",
    (x) => x.s,
  )
    .slice(0, 40)
    .sort((a, b) => a.i - b.i);
  const rng = new Rng("testset-gaps");
  return chosen.map(({ s }, k) => {
    const words = s.split(" ");
    for (let attempt = 0; attempt < 50; attempt++) {
      const len = rng.between(2, 4);
      const from = rng.between(Math.floor(words.length / 3), words.length - len - 1);
      const gap = words.slice(from, from + len);
      if (gap.every((w) => /^[A-Za-z][A-Za-z'-]*$/.test(w))) {
        const question = [...words.slice(0, from), "_____", ...words.slice(from + len)].join(" ");
        return { id: `sherlock-qa-${pad(k + 1)}`, question, answer: gap.join(" ") };
      }
    }
    throw new Error(`make-sample: no clean gap in "${s}"`);
  });
}

function contamDocs(items: readonly TestItem[]): Doc[] {
  const rng = new Rng("contam");
  const picks = rng.sample(items, 12);
  const item = (i: number): TestItem => must(picks[i], "test item");
  const e = escapeHtml;
  const filled = (t: TestItem): string => t.question.replace("_____", t.answer);
  const site = (name: string, host: string, lang: string, style: SkinStyle): Site => ({ name, host, lang, nav: NAV[lang] ?? must(NAV["en"], "nav"), style });
  const specs: Array<{ site: Site; path: string; title: string; used: TestItem[]; edit: string; main: string }> = [];

  {
    const [a, b] = [item(0), item(1)];
    specs.push({
      site: site("Baker Street Readers", "bakerstreetreaders.example", "en", "semantic"),
      path: "/quiz-night/week-12/",
      title: "Quiz night, week 12: fill in the blanks",
      used: [a, b],
      edit: "verbatim",
      main: `${paras(["Thanks to everyone who came to quiz night on Thursday. As promised, here are two of the fill-in-the-blank questions that caught most tables out, with the answers.", "The book for next month is a collection of short ghost stories; copies are at the front desk."])}\n<ol class="quiz">\n<li><p class="q">${e(a.question)}</p><p class="a">Answer: ${e(a.answer)}</p></li>\n<li><p class="q">${e(b.question)}</p><p class="a">Answer: ${e(b.answer)}</p></li>\n</ol>\n<p>Scores will be posted on the noticeboard by Monday.</p>`,
    });
  }
  {
    const a = item(2);
    specs.push({
      site: site("Benchmarks & Evals Forum", "forum.evalhub.example", "en", "divs"),
      path: "/t/is-this-item-in-the-training-data/3312",
      title: "Is this item in the training data?",
      used: [a],
      edit: "verbatim",
      main: `<div class="post"><p>I was checking our model on the reading benchmark and it gets this one right every time, even at temperature 1. Here is the item exactly as it appears in the test file:</p>\n<blockquote><p>Question: ${e(a.question)}</p><p>Answer: ${e(a.answer)}</p></blockquote>\n<p>Could it have seen this during pretraining? The book is on Project Gutenberg, so probably yes.</p></div>\n<div class="post"><p>Almost certainly. Run an n-gram overlap check against your pretraining shards before you report any numbers.</p></div>`,
    });
  }
  {
    const a = item(3);
    specs.push({
      site: site("StudyStack Notes", "studystack-notes.example", "en", "semantic"),
      path: "/english-literature/sherlock-holmes-flashcards",
      title: "english literature flashcards – set 4",
      used: [a],
      edit: "lowercased",
      main: `${paras(["these flashcards were typed up from the revision session. sorry about the missing capitals, the keyboard was broken."])}\n<div class="card"><p>${e(a.question.toLowerCase())}</p><p>${e(a.answer.toLowerCase())}</p></div>\n${paras(["next session: poetry anthology, bring your annotated copies."])}`,
    });
  }
  {
    const [a, b] = [item(4), item(5)];
    const strip = (s: string): string => s.replace(/[,;:.!?]/g, "");
    specs.push({
      site: site("Trivia Corner", "triviacorner.example", "en", "table"),
      path: "/classic-books/round-3.php",
      title: "Classic books round 3",
      used: [a, b],
      edit: "punctuation removed",
      main: `<p>Round 3 questions and answers (copied from the handout)</p>\n<p>Q1 ${e(strip(a.question))}<br>A1 ${e(strip(a.answer))}</p>\n<p>Q2 ${e(strip(b.question))}<br>A2 ${e(strip(b.answer))}</p>\n<p>Round 4 will be about maps and flags.</p>`,
    });
  }
  {
    const a = item(6);
    specs.push({
      site: site("Reading Log", "readinglog.example", "en", "divs"),
      path: "/2024/01/05/holmes-again/",
      title: "Holmes again",
      used: [a],
      edit: "answer filled in (the original sentence)",
      main: paras([
        "I reread the Adventures over the holidays. It holds up better than I remembered, and the sentences are more careful than the films suggest. One I copied into my notebook:",
        filled(a),
        "Next up: something modern, I promise.",
      ]),
    });
  }
  {
    const a = item(7);
    specs.push({
      site: site("Lernportal Englisch", "lernportal-englisch.example", "de", "semantic"),
      path: "/uebungen/lueckentext-sherlock-holmes",
      title: "Lückentext: Sherlock Holmes",
      used: [a],
      edit: "verbatim inside a German page",
      main: `${paras(["Ergänze die Lücke im folgenden Satz aus „The Adventures of Sherlock Holmes“. Die Lösung steht unter dem Satz, also erst selbst überlegen!"])}\n<blockquote><p>${e(a.question)}</p></blockquote>\n<details><summary>Lösung</summary><p>${e(a.answer)}</p></details>\n${paras(["Weitere Übungen zu britischer Literatur findest du in der Übersicht."])}`,
    });
  }
  {
    const [a, b] = [item(8), item(9)];
    specs.push({
      site: site("Quizzly", "quizzly.example", "en", "semantic"),
      path: "/q/sherlock-holmes-short-stories-ii",
      title: "SHERLOCK HOLMES SHORT STORIES II",
      used: [a, b],
      edit: "upper-cased, extra whitespace and line breaks",
      main: `<p>GUESS THE MISSING WORDS!</p>\n<p>${e(a.question.toUpperCase()).replace(/ /g, "  ")}</p>\n<p>&gt;&gt; ${e(a.answer.toUpperCase())}</p>\n<p>${e(b.question.toUpperCase()).split(" ").map((w, i) => (i === 8 ? `<br>\n${w}` : w)).join(" ")}</p>\n<p>&gt;&gt; ${e(b.answer.toUpperCase())}</p>`,
    });
  }
  {
    const a = item(10);
    specs.push({
      site: site("Teacher Tools", "teachertools.example", "en", "divs"),
      path: "/worksheets/victorian-fiction-comprehension.html",
      title: "Worksheet: Victorian fiction comprehension",
      used: [a],
      edit: "verbatim, with typographic quotes and curly apostrophes",
      main: `${paras(["Use this worksheet after reading the first three stories. Answers are at the bottom for the teacher."])}\n<ol><li>${e(a.question.replace(/'/g, "\u2019"))}</li></ol>\n<h3>Answers</h3>\n<p>1. \u201c${e(a.answer.replace(/'/g, "\u2019"))}\u201d</p>`,
    });
  }
  return specs.map((s, i) => {
    const { url, html } = renderPage({ site: s.site, path: s.path, title: s.title, main: s.main, sidebar: relatedSidebar(s.site.lang, ["Reading list for spring", "How we run quiz night", "Book club rules"]) });
    return makeDoc({ id: `contam-${pad(i + 1)}`, kind: "contam", lang: s.site.lang, source: "synthetic", url, testset_items: s.used.map((t) => t.id), edit: s.edit }, html);
  });
}

// ---------------------------------------------------------------------------------------------
// 8. PII

function luhnValid(digits: string): boolean {
  const d = digits.replace(/\D/g, "");
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let x = Number(d[d.length - 1 - i]);
    if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
    sum += x;
  }
  return d.length >= 12 && sum % 10 === 0;
}

function ibanValid(iban: string): boolean {
  const s = iban.replace(/\s+/g, "").toUpperCase();
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of v) rem = (rem * 10 + Number(digit)) % 97;
  }
  return rem === 1;
}

function piiDocs(): Doc[] {
  const e = escapeHtml;
  const site = (name: string, host: string, lang: string, style: SkinStyle): Site => ({ name, host, lang, nav: NAV[lang] ?? must(NAV["en"], "nav"), style });
  const cards = { visa: "4111 1111 1111 1111", mc: "5555 5555 5555 4444", decoy: "1234 5678 9012 3456" };
  const ibans = { de: "DE89 3704 0044 0532 0130 00", gb: "GB82 WEST 1234 5698 7654 32", fr: "FR76 3000 6000 0112 3456 7890 189" };
  if (!luhnValid(cards.visa) || !luhnValid(cards.mc) || luhnValid(cards.decoy)) throw new Error("make-sample: card numbers do not have the intended Luhn status");
  for (const iban of Object.values(ibans)) if (!ibanValid(iban)) throw new Error(`make-sample: ${iban} fails the IBAN check`);

  const specs: Array<{ site: Site; path: string; title: string; main: string; pii: string[]; notPii: string[]; note: string }> = [
    {
      site: site("Harbor Lane Books", "www.harborlane-books.example", "en", "semantic"),
      path: "/contact/",
      title: "Contact us",
      note: "shop contact page",
      pii: ["info@harborlane-books.example", "m.okafor@example.org", "+44 20 7946 0958", "+1 202-555-0143", "+49 30 23125 478"],
      notPii: ["ISBN 978-3-16-148410-0", "£12.99", "2024-01-05", "1.2.3.4", "9:00–17:30"],
      main: paras([
        "Questions about an order, a special request or a school visit? We are happy to help.",
        "General enquiries: info@harborlane-books.example. Events and school visits: Maria Okafor, m.okafor@example.org.",
        "Telephone (UK shop): +44 20 7946 0958. Our US distributor can be reached on +1 202-555-0143, and the Berlin office on +49 30 23125 478.",
        "Opening hours: Monday to Saturday, 9:00–17:30. The shop has been in its new premises since 2024-01-05.",
        "Book of the month: ISBN 978-3-16-148410-0, now £12.99 in paperback. Our catalogue terminal runs version 1.2.3.4 of the stock software; if it shows an error, please ask at the till.",
      ]),
    },
    {
      site: site("Gadget Depot", "www.gadgetdepot.example", "en", "divs"),
      path: "/account/orders/2024-0105-7731/confirmation",
      title: "Order confirmation #2024-0105-7731",
      note: "order confirmation with card and IBAN",
      pii: ["a.jensen@example.net", cards.visa, ibans.de, "+1 (202) 555-0188", "42 Elm Street, Springfield"],
      notPii: [`gift card serial ${cards.decoy} (fails Luhn)`, "order #2024-0105-7731", "€1,299.00", "2024-01-05", "12/27", "1.2.3.4"],
      main: `<p>Thank you for your order, Anna Jensen!</p>\n<table class="order">\n<tr><th>Order number</th><td>#2024-0105-7731</td></tr>\n<tr><th>Order date</th><td>2024-01-05</td></tr>\n<tr><th>E-mail</th><td>a.jensen@example.net</td></tr>\n<tr><th>Phone</th><td>+1 (202) 555-0188</td></tr>\n<tr><th>Delivery address</th><td>42 Elm Street, Springfield</td></tr>\n<tr><th>Item</th><td>UltraBook 14 (firmware 1.2.3.4), 1 × €1,299.00</td></tr>\n<tr><th>Total</th><td>€1,299.00</td></tr>\n<tr><th>Paid with</th><td>Visa ${e(cards.visa)}, expires 12/27</td></tr>\n<tr><th>Gift card serial</th><td>${e(cards.decoy)}</td></tr>\n</table>\n${paras([`If you prefer to pay by bank transfer, use IBAN ${ibans.de} (BIC COBADEFFXXX) and quote your order number.`, "You will receive a tracking link as soon as your parcel leaves our warehouse."])}`,
    },
    {
      site: site("Kleinanzeigen Nord", "kleinanzeigen-nord.example", "de", "divs"),
      path: "/anzeige/trekkingrad-28-zoll-rahmen-56-cm/884120",
      title: "Trekkingrad 28 Zoll, Rahmen 56 cm",
      note: "classified ad, de",
      pii: ["lena.schmidt@example.com", "+49 30 23125 312", "0152 28817386", "DE89370400440532013000"],
      notPii: ["450,00 €", "2024-01-05", "56 cm", "1.2.3.4", "Baujahr 2019"],
      main: paras([
        "Verkaufe mein gut erhaltenes Trekkingrad, Baujahr 2019, Rahmenhöhe 56 cm, 27 Gänge. Gekauft am 2024-01-05 als Gebrauchtrad, seitdem kaum gefahren.",
        "Der Tacho hat die Firmware 1.2.3.4, funktioniert einwandfrei. Preis: 450,00 € VB.",
        "Kontakt: lena.schmidt@example.com oder telefonisch unter +49 30 23125 312 (abends) bzw. mobil 0152 28817386.",
        "Bei Vorkasse bitte auf DE89370400440532013000 überweisen, Abholung in Hamburg-Altona.",
      ]),
    },
    {
      site: site("Northgate Institute", "www.northgate-institute.example", "en", "semantic"),
      path: "/about/staff-directory/",
      title: "Staff directory",
      note: "staff directory table",
      pii: ["d.achebe@northgate-institute.example", "l.moreau@northgate-institute.example", "k.tanaka@northgate-institute.example", "+44 20 7946 0123", "+33 1 99 00 42 17", "+61 2 5550 1234", "+1 613 555 0199"],
      notPii: ["Room 2.14", "ext. 4410", "2024-01-05", "v1.2.3.4"],
      main: `<p>Last updated 2024-01-05. Directory export v1.2.3.4.</p>\n<table class="staff">\n<tr><th>Name</th><th>Role</th><th>E-mail</th><th>Phone</th><th>Office</th></tr>\n<tr><td>Dr Daniel Achebe</td><td>Head of Research</td><td>d.achebe@northgate-institute.example</td><td>+44 20 7946 0123</td><td>Room 2.14</td></tr>\n<tr><td>Léa Moreau</td><td>Paris liaison</td><td>l.moreau@northgate-institute.example</td><td>+33 1 99 00 42 17</td><td>Remote</td></tr>\n<tr><td>Kenji Tanaka</td><td>Data manager</td><td>k.tanaka@northgate-institute.example</td><td>+61 2 5550 1234</td><td>Sydney</td></tr>\n<tr><td>Front desk</td><td>Reception</td><td>—</td><td>+1 613 555 0199, ext. 4410</td><td>Lobby</td></tr>\n</table>`,
    },
    {
      site: site("OpenWidget Project", "openwidget.example", "en", "semantic"),
      path: "/releases/1.2.3.4/",
      title: "OpenWidget 1.2.3.4 release notes",
      note: "release notes and a bug report that leaks a card and an e-mail",
      pii: ["dev.reporter@example.com", cards.mc, "192.0.2.17"],
      notPii: ["1.2.3.4", "2.10.0", "2024-01-05", "ISBN 978-0-306-40615-7", "$1,299.99", "123e4567-e89b-12d3-a456-426614174000", "sha 3f9a2c1"],
      main: `${paras(["OpenWidget 1.2.3.4 was released on 2024-01-05. It is a bug-fix release; everyone on 1.2.x should upgrade. The next feature release, 2.10.0, is planned for the spring."])}\n<h2>Fixed</h2>\n<ul>\n<li>The price field now accepts values such as $1,299.99 with a thousands separator.</li>\n<li>Fixed a crash when the catalogue importer met ISBN 978-0-306-40615-7 twice (commit sha 3f9a2c1).</li>\n<li>Request ids such as 123e4567-e89b-12d3-a456-426614174000 are now logged at debug level only.</li>\n</ul>\n<h2>From the bug report</h2>\n<pre>Reported-by: dev.reporter@example.com\nClient: 192.0.2.17\nSteps: enter card ${cards.mc} in the checkout demo, press Pay twice\nExpected: one charge\nActual: two charges</pre>`,
    },
    {
      site: site("Petites Annonces Lyon", "annonces-lyon.example", "fr", "table"),
      path: "/immobilier/location/t2-croix-rousse-5512.html",
      title: "Location T2 Croix-Rousse",
      note: "classified ad, fr",
      pii: ["claire.martin@example.com", "+33 6 39 98 12 34", "06 39 98 56 78", ibans.fr, ibans.gb],
      notPii: ["1 299,00 €", "05/01/2024", "2024-01-05", "45 m²", "1.2.3.4"],
      main: paras([
        "À louer : T2 de 45 m² à la Croix-Rousse, lumineux, 3e étage sans ascenseur. Loyer 1 299,00 € charges comprises, disponible à partir du 05/01/2024 (réf. annonce 2024-01-05).",
        "Visites le samedi. Contact : claire.martin@example.com, tél. +33 6 39 98 12 34 ou 06 39 98 56 78.",
        `Le dépôt de garantie est à verser sur le compte ${ibans.fr}. Pour les locataires britanniques : ${ibans.gb}.`,
        "Le digicode de l'immeuble a été mis à jour (boîtier version 1.2.3.4).",
      ]),
    },
  ];
  return specs.map((s, i) => {
    // a newline between table cells, as most real markup has, so the naive text does not glue them
    const main = s.main.replace(/<\/(t[dh])>\s*<(t[dh])\b/g, "</$1>\n<$2");
    const { url, html } = renderPage({ site: s.site, path: s.path, title: s.title, main, cookieBanner: i % 2 === 1 });
    const doc = makeDoc({ id: `pii-${pad(i + 1)}`, kind: "pii", lang: s.site.lang, source: "synthetic", url, note: s.note, pii: s.pii, not_pii: s.notPii }, html);
    for (const p of s.pii) {
      if (!new RegExp(`(^|[\\s(:,;])${escapeRe(p)}($|[\\s),.;])`, "m").test(doc.row.text)) throw new Error(`make-sample: ${doc.row.id} text lacks PII "${p}" as a separate token`);
    }
    return doc;
  });
}

// ---------------------------------------------------------------------------------------------
// 9. scripts without spaces between words

interface CjkSpec {
  readonly lang: string;
  readonly from: string;
  readonly site: Site;
  readonly path: string;
  readonly title: string;
}

async function cjkDocs(): Promise<Doc[]> {
  const site = (name: string, host: string, lang: string, style: SkinStyle): Site => ({ name, host, lang, nav: must(NAV[lang], `nav ${lang}`), style });
  const specs: CjkSpec[] = [
    { lang: "zh-CN", from: "debian-handbook", site: site("开源运维笔记", "ops-notes.example", "zh-CN", "semantic"), path: "/posts/debian-admin-notes.html", title: "Debian 系统管理笔记" },
    { lang: "ja", from: "debian-handbook", site: site("サーバー管理メモ", "server-memo.example", "ja", "divs"), path: "/entry/2024/debian-kanri", title: "Debian サーバー管理のメモ" },
    { lang: "zh-TW", from: "debian-reference-zh-tw", site: site("自由軟體學習站", "foss-learning.example", "zh-TW", "semantic"), path: "/articles/debian-reference-notes", title: "Debian 參考手冊閱讀筆記" },
    { lang: "th", from: "dpkg", site: site("คู่มือลินุกซ์", "linux-khumue.example", "th", "divs"), path: "/dpkg/khamnaenam.html", title: "คำแนะนำการใช้งาน dpkg" },
    { lang: "ja", from: "debian-reference-ja", site: site("リナックス入門ノート", "linux-nyumon.example", "ja", "semantic"), path: "/notes/debian-reference-03.html", title: "Debian リファレンスを読む" },
  ];
  const want = new Map(specs.map((s) => [`${s.lang}|${s.from}`, [] as string[]]));
  const rl = createInterface({ input: createReadStream(join(CORPUS_DIR, "langid_full.jsonl"), { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === "") continue;
    const r = JSON.parse(line) as { lang: string; text: string; source: string };
    const bucket = want.get(`${r.lang}|${r.source.split(":")[0] ?? ""}`);
    if (!bucket) continue;
    // prose only: no command-line syntax or emptied printf placeholders from message catalogs
    const ok =
      r.lang === "th"
        ? r.text.length >= 30 && /^[\u0e00-\u0e7f ]+[:.!?]?$/.test(r.text)
        : r.text.length >= 30 && !/\s/.test(r.text) && !/[<>|%$\\{}[\]=']|^[-:(*]/.test(r.text) && !/^[\u3041-\u3093]/.test(r.text);
    if (ok) bucket.push(r.text);
  }
  return specs.map((s, i) => {
    const pool = must(want.get(`${s.lang}|${s.from}`), "cjk pool");
    const chosen = byRank([...new Set(pool)], `cjk-${i}`, (t) => t).slice(0, 14);
    if (chosen.length < 8) throw new Error(`make-sample: only ${chosen.length} paragraphs for ${s.lang} from ${s.from}`);
    const main = chosen.map((t, k) => (k > 0 && k % 5 === 0 ? `<h2>${escapeHtml(must(s.site.nav[2], "nav"))} ${k / 5}</h2>\n` : "") + `<p>${escapeHtml(t)}</p>`).join("\n");
    const { url, html } = renderPage({ site: s.site, path: s.path, title: s.title, main });
    return makeDoc({ id: `cjk-${pad(i + 1)}`, kind: "cjk", lang: s.lang, source: "synthetic", url, note: `paragraphs without spaces from langid_full.jsonl (${s.from})` }, html);
  });
}

// ---------------------------------------------------------------------------------------------
// real pages, exact copies and near-duplicate pairs as documents

const EXACT_DUP_URL_VARIANTS: ReadonlyArray<readonly [string, (u: URL) => string]> = [
  ["mirror host", (u) => `https://mirror.docs-archive.example/${u.host}${u.pathname}${u.search}`],
  ["tracking parameters", (u) => `${u.origin}${u.pathname}?utm_source=newsletter&utm_medium=email&utm_campaign=spring`],
  ["http instead of https", (u) => `http://${u.host}${u.pathname}${u.search}`],
  ["fragment", (u) => `${u.origin}${u.pathname}${u.search}#top`],
  ["print view", (u) => `${u.origin}${u.pathname}?print=1`],
  ["second mirror", (u) => `https://ftp.mirrors.example/pub/${u.host}${u.pathname}`],
];

function realDocs(sel: Selection, html: ReadonlyMap<string, string>): { pages: Doc[]; exact: Doc[]; near: Doc[] } {
  const pages = sel.pages.map((m, i) =>
    makeDoc(
      { id: `page-${pad(i + 1)}`, kind: "page", lang: m.lang, source: m.source, url: publicUrl(m.url), corpus_id: m.id, corpus_url: m.url },
      must(html.get(m.id), `html of ${m.id}`),
    ),
  );
  const rng = new Rng("exact-dups");
  const originals = rng.sample(pages, 15).sort((a, b) => compareStrings(a.row.id, b.row.id));
  const exact = originals.map((orig, i) => {
    const [how, variant] = must(EXACT_DUP_URL_VARIANTS[i % EXACT_DUP_URL_VARIANTS.length], "url variant");
    return makeDoc(
      { id: `dup-exact-${pad(i + 1)}`, kind: "dup-exact", lang: orig.entry.lang, source: orig.row.source, url: variant(new URL(orig.row.url)), copy_of: orig.row.id, note: `same html as ${orig.row.id}; url: ${how}` },
      orig.row.html,
    );
  });
  const near: Doc[] = [];
  sel.pairs.forEach((p, i) => {
    const n = pad(i + 1);
    for (const [suffix, m, other] of [
      ["a", p.metaA, "b"],
      ["b", p.metaB, "a"],
    ] as const) {
      near.push(
        makeDoc(
          { id: `dup-near-${n}${suffix}`, kind: "dup-near", lang: m.lang, source: m.source, url: publicUrl(m.url), corpus_id: m.id, corpus_url: m.url, pair: `dup-near-${n}${other}`, jaccard: p.jaccard },
          must(html.get(m.id), `html of ${m.id}`),
        ),
      );
    }
  });
  return { pages, exact, near };
}

// ---------------------------------------------------------------------------------------------
// output

function jsonl(rows: readonly Row[]): string {
  return rows.map((r) => JSON.stringify({ id: r.id, url: r.url, html: r.html, text: r.text, source: r.source })).join("\n") + "\n";
}

const BAD_RECORDS = `{"id":"broken-001","url":"https://example.com/truncated","html":"<html><body><p>This record was cut off in the mid\n{"id":"broken-002","url":"https://example.com/x"}\n`;

const KIND_ORDER: readonly Kind[] = ["page", "dup-exact", "dup-near", "spam", "profanity", "falsepos", "empty", "contam", "pii", "cjk"];
const KIND_WHAT: Record<Kind, string> = {
  page: "real documentation pages from the corpus, HTML untouched",
  "dup-exact": "byte-identical copies of a `page-*` under another id and URL",
  "dup-near": "both members of a verified near-duplicate pair from `neardup_pairs.tsv`",
  spam: "keyword stuffing, link farms (60 anchors), click-here pages, repeated lines",
  profanity: "ordinary prose (forum threads, reviews, comments) with LDNOOBW words in it",
  falsepos: "clean pages full of words that contain a listed word (Scunthorpe, assessment, Sussex, cocktail, analysis, Essex…)",
  empty: "navigation only, cookie banner only, one-line 404/403, JavaScript shell, parked domain",
  contam: "normal pages quoting items of `testset.jsonl`, verbatim or lightly edited",
  pii: "e-mail addresses, phone numbers, IBANs, Luhn-valid test cards, next to numbers that are not PII",
  cjk: "Chinese, Japanese and Thai pages whose paragraphs have no spaces between words",
};

const SOURCE_LICENSES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^libreoffice-help-/, "MPL-2.0 (LibreOffice help; parts Apache-2.0)"],
  [/^debian-handbook$/, "GPL-2.0+ or CC-BY-SA-3.0"],
  [/^installation-guide-/, "GPL-2"],
  [/^apache2-doc$/, "Apache-2.0"],
  [/^postgresql-doc-15$/, "PostgreSQL License"],
  [/^linux-doc-/, "GPL-2"],
  [/^python3\.11-doc$/, "PSF License (Python documentation)"],
  [/^harden-doc$/, "GPL-2.0"],
  [/^debian-faq/, "SPI permission notice: copy, modify and translate with the notice kept"],
  [/^developers-reference/, "GPL-2"],
  [/^debian-history$/, "GPL-2+"],
  [/^debian-policy$/, "GPL-2+"],
  [/^debian-kernel-handbook$/, "GPL-2+"],
  [/^maint-guide/, "GPL-2.0+"],
  [/^debian-reference-/, "GPL-2+"],
  [/^warc:/, "real web pages from the Common Crawl WARC test files shipped in npm `warc`; copyright of their owners"],
];

function licenseOf(source: string): string {
  for (const [re, lic] of SOURCE_LICENSES) if (re.test(source)) return lic;
  return "see the package's copyright file";
}

function readManifestVersions(): Map<string, string> {
  const versions = new Map<string, string>();
  for (const line of readFileSync(join(CORPUS_DIR, "manifest.tsv"), "utf8").split("\n").slice(1)) {
    const [kind, pkg, version] = line.split("\t");
    if (kind && pkg && version) versions.set(pkg, `${kind === "npm" ? "npm " : ""}${pkg} ${version}`);
  }
  return versions;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function readme(docs: readonly Doc[], items: readonly TestItem[], shardInfo: ReadonlyArray<readonly [string, number, number, number]>, totalBytes: number): string {
  const entries = docs.map((d) => d.entry);
  const byKind = (k: Kind): Entry[] => entries.filter((e) => e.kind === k).sort((a, b) => compareStrings(a.id, b.id));
  const langs = new Map<string, number>();
  for (const e of entries) langs.set(e.lang, (langs.get(e.lang) ?? 0) + 1);
  const versions = readManifestVersions();
  const sources = new Map<string, number>();
  for (const e of entries) if (e.source !== "synthetic") sources.set(e.source, (sources.get(e.source) ?? 0) + 1);
  const idRange = (k: Kind): string => {
    const ids = byKind(k).map((e) => e.id);
    return ids.length === 0 ? "" : ids.length === 1 ? `\`${ids[0]}\`` : `\`${ids[0]}\` … \`${ids[ids.length - 1]}\``;
  };
  const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(2)} MB`;
  const used = new Set(byKind("contam").flatMap((e) => e.testset_items ?? []));
  const hitsOutside = entries.filter((e) => e.kind !== "profanity" && e.blocklist_hits && Object.keys(e.blocklist_hits).length > 0);

  return `# Sample web dump

A small, realistic crawl dump for Refinery's tests, examples and \`npm start\`: ${entries.length} documents
(plus 2 deliberately broken records) in three shards, about ${mb(totalBytes)} uncompressed. Most of it is
real HTML documentation with its navigation, sidebars, headers and footers; the rest is generated to
exercise one filter each (spam, profanity, near-empty pages, test-set contamination, PII, unspaced scripts).

Regenerate with \`npx tsx scripts/make-sample.ts\`. It needs the output of
\`../shared/datasets/build-corpus.sh\` in \`$HOME/.cache/refinery-corpus/out\` (or a directory named by the
environment variable \`CORPUS_DIR\`). Every choice is seeded, so a rerun writes byte-identical files.

## Files

${table(
  ["file", "documents", "bytes", "uncompressed bytes"],
  shardInfo.map(([f, n, b, u]) => [`\`${f}\``, n, b, u]),
)}
| \`testset.jsonl\` | ${items.length} QA items | | |
| \`manifest.json\` | one entry per document (not read by pipelines): \`kind\`, \`lang\`, \`source\`, \`shard\`, sizes, the corpus id and path of real pages, \`copy_of\` / \`pair\` + \`jaccard\` for duplicates, \`testset_items\` + \`edit\` for contamination, \`pii\` / \`not_pii\`, \`profanity\`, and \`blocklist_hits\` (whole-word LDNOOBW matches found in the naive text) | | |

Each row is \`{"id", "url", "html", "text", "source"}\`. \`text\` is a naive rendering of \`html\`: tags
stripped, \`<script>\`/\`<style>\` contents and comments removed, block tags (p, div, li, h1–h6, br, tr,
section, article, header, footer, nav, aside, ul, ol, table, pre) turned into line breaks, \`&amp; &lt;
&gt; &quot; &nbsp;\` and numeric entities decoded, spaces collapsed, blank-line runs collapsed to one.
It is a baseline, not clean text: it still holds menus and footers. \`source\` is the corpus package
(or \`synthetic\`).

The last two lines of \`web-00.jsonl\` are bad on purpose, as in a real dump: \`broken-001\` is a
truncated JSON object (malformed JSON) and \`broken-002\` is an object without a \`text\` field.

## What is in it

${table(
  ["kind", "count", "ids", "what"],
  KIND_ORDER.map((k) => [k, byKind(k).length, idRange(k), KIND_WHAT[k]]),
)}
| **total** | **${entries.length}** | | |

Documents are shuffled (seeded) before being split into shards, so every shard mixes kinds.

### Languages

Language hints come from the corpus install path (\`en-GB\`, \`pt-BR\`, \`zh-CN\` as given there; LibreOffice
\`hi\` pages are largely untranslated English); the three Common Crawl pages have no hint and are English.

${table(
  ["lang", "documents"],
  [...langs.entries()].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0])).map(([l, n]) => [l, n]),
)}

### Exact duplicates

${table(
  ["id", "copy of", "url change"],
  byKind("dup-exact").map((e) => [e.id, e.copy_of ?? "", (e.note ?? "").replace(/^.*url: /, "")]),
)}

### Near-duplicate pairs

Pairs taken from \`neardup_pairs.tsv\` with their exact Jaccard similarity (of word shingles of the
main text, as measured by the corpus build). Apart from the \`dup-exact-*\` copies, no document in the
sample is a near or exact duplicate of a pair member or of a \`page-*\`, according to that census.

${table(
  ["pair", "Jaccard", "a", "b"],
  byKind("dup-near")
    .filter((e) => e.id.endsWith("a"))
    .map((e) => {
      const b = must(entries.find((x) => x.id === e.pair), "pair partner");
      return [e.id.slice(0, -1), (e.jaccard ?? 0).toFixed(3), `${e.source} \`${e.corpus_url ?? ""}\``, `${b.source} \`${b.corpus_url ?? ""}\``];
    }),
)}

### Spam

${table(
  ["id", "lang", "kind of spam", "url"],
  byKind("spam").map((e) => [e.id, e.lang, e.note ?? "", e.url]),
)}

### Profanity and false positives

The profanity pages contain words from the LDNOOBW lists **on purpose**, so that the harmful-content
filters have something to find. They are ordinary prose otherwise. The false-positive pages contain no
listed word as a whole word, only words that contain one (a substring filter would wrongly drop them).

${table(
  ["id", "lang", "what", "listed words used"],
  [...byKind("profanity"), ...byKind("falsepos")].map((e) => [e.id, e.lang, e.note ?? "", (e.profanity ?? []).join(", ")]),
)}

Whole-word, case-insensitive matches of the en/de/fr/es lists in documents that are *not* profanity
pages (real pages use words such as French "con" or German "nackt"; a list filter must be judged with this in mind):

${hitsOutside.length === 0 ? "none" : table(["id", "hits"], hitsOutside.map((e) => [e.id, Object.entries(e.blocklist_hits ?? {}).map(([l, ws]) => `${l}: ${ws.join(", ")}`).join("; ")]))}

### Near-empty pages

${table(
  ["id", "lang", "what"],
  byKind("empty").map((e) => [e.id, e.lang, e.note ?? ""]),
)}

### Test set and contaminated pages

\`testset.jsonl\` holds ${items.length} fill-in-the-blank items \`{id, question, answer}\` made from sentences of
*The Adventures of Sherlock Holmes*: \`question\` is a sentence with \`_____\` in place of 2–4 words, \`answer\`
the missing words. ${used.size} of them are quoted by the pages below; the other ${items.length - used.size} appear nowhere in the
dump and serve as a control.

${table(
  ["id", "lang", "items", "how they are quoted"],
  byKind("contam").map((e) => [e.id, e.lang, (e.testset_items ?? []).join(", "), e.edit ?? ""]),
)}

### PII

All addresses use reserved domains (\`example.com/.org/.net\`, \`.example\`); phone numbers are in ranges set
aside for fiction or testing where a country has one (UK 020 7946 0xxx, US/Canada 555-01xx, Germany
030 23125 xxx, France 01 99 00 / 06 39 98, Australia 02 5550); card numbers are the issuers' public test
numbers; IBANs are the published specimen IBANs (valid check digits).

${table(
  ["id", "lang", "what", "PII", "not PII (must survive)"],
  byKind("pii").map((e) => [e.id, e.lang, e.note ?? "", (e.pii ?? []).map((p) => `\`${p}\``).join(", "), (e.not_pii ?? []).map((p) => `\`${p}\``).join(", ")]),
)}

### Unspaced scripts

${table(
  ["id", "lang", "text from"],
  byKind("cjk").map((e) => [e.id, e.lang, (e.note ?? "").replace(/^.*\(/, "").replace(/\)$/, "")]),
)}

Many \`page-*\` documents are Chinese, Japanese or Korean too (LibreOffice help, Debian FAQ, handbook).

## Where it comes from, and licenses

Real pages (\`page-*\`, \`dup-exact-*\`, \`dup-near-*\`) are taken unchanged from \`html_corpus.jsonl\`, which
\`build-corpus.sh\` extracts from Debian 12 (bookworm) packages. Their \`url\` is the public address where
the same document is published upstream (e.g. \`help.libreoffice.org\`, \`www.postgresql.org/docs/15\`),
derived from the \`file:///usr/share/…\` path they were installed at; \`manifest.json\` keeps the original
path (\`corpus_url\`) and corpus id. Licenses, from each package's \`copyright\` file:

${table(
  ["source", "package version", "documents", "license"],
  [...sources.entries()].sort((a, b) => compareStrings(a[0], b[0])).map(([s, n]) => [s, versions.get(s) ?? (s.startsWith("warc:") ? versions.get("warc") ?? "npm warc" : "—"), n, licenseOf(s)]),
)}

Generated pages (\`source: "synthetic"\`) were written for this sample by \`scripts/make-sample.ts\`, with
these inputs:

- \`testset.jsonl\` and the quotes in \`contam-*\`: *The Adventures of Sherlock Holmes* by Arthur Conan Doyle,
  Project Gutenberg EBook #1661, public domain.
- Profanity: the LDNOOBW "List of Dirty, Naughty, Obscene, and Otherwise Bad Words" (en, de, fr, es), via
  ${versions.get("naughty-words") ?? "npm naughty-words"}, CC-BY-4.0.
- \`cjk-*\`: paragraphs from \`langid_full.jsonl\`, i.e. Debian-packaged translations: debian-handbook
  (GPL-2.0+ or CC-BY-SA-3.0), debian-reference-zh-tw and debian-reference-ja (GPL-2+), and the Thai message
  catalog of dpkg (GPL-2+).
- Everything else (spam, site templates, prose, PII) is invented; all names, addresses and numbers are fictional.
`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!existsSync(join(CORPUS_DIR, "html_corpus.jsonl"))) {
    throw new Error(`make-sample: ${join(CORPUS_DIR, "html_corpus.jsonl")} not found; run ../shared/datasets/build-corpus.sh or set CORPUS_DIR`);
  }
  mkdirSync(OUT, { recursive: true });

  console.log("reading corpus metadata…");
  const metas = await readCorpusMeta();
  const sel = select(metas, readRelations(), readNearPairs());
  const wanted = new Set([...sel.pages.map((m) => m.id), ...sel.pairs.flatMap((p) => [p.a, p.b])]);
  console.log(`reading ${wanted.size} selected pages…`);
  const html = await readCorpusHtml(wanted);
  const real = realDocs(sel, html);

  const lists = readBlocklists(["en", "de", "fr", "es"]);
  const items = makeTestset();
  const docs: Doc[] = [...real.pages, ...real.exact, ...real.near, ...spamDocs(), ...profanityDocs(lists), ...falsePositiveDocs(), ...emptyDocs(), ...contamDocs(items), ...piiDocs(), ...(await cjkDocs())];

  // checks that keep the labels honest
  const ids = new Set<string>();
  const urls = new Set<string>();
  for (const d of docs) {
    if (ids.has(d.row.id)) throw new Error(`make-sample: duplicate id ${d.row.id}`);
    if (urls.has(d.row.url)) throw new Error(`make-sample: duplicate url ${d.row.url}`);
    ids.add(d.row.id);
    urls.add(d.row.url);
    const hits: Record<string, string[]> = {};
    for (const [lang, list] of Object.entries(lists)) {
      const h = blocklistHits(d.row.text, list);
      if (h.length > 0) hits[lang] = h;
    }
    if (Object.keys(hits).length > 0) d.entry.blocklist_hits = hits;
    if (d.entry.kind === "falsepos" && hits["en"]) throw new Error(`make-sample: ${d.row.id} has listed words: ${hits["en"].join(", ")}`);
    if (d.entry.kind === "profanity" && !hits[d.entry.lang]) throw new Error(`make-sample: ${d.row.id} has no listed word`);
  }
  for (const d of docs.filter((x) => x.entry.kind === "contam")) {
    const t = d.row.text.toLowerCase();
    for (const itemId of d.entry.testset_items ?? []) {
      const it = must(items.find((x) => x.id === itemId), itemId);
      if (d.entry.edit?.startsWith("verbatim") === true && !d.row.text.includes(it.question.replace(/'/g, d.entry.edit.includes("curly") ? "\u2019" : "'"))) {
        throw new Error(`make-sample: ${d.row.id} does not quote ${itemId} verbatim`);
      }
      if (!t.replace(/\s+/g, " ").includes(it.answer.toLowerCase().replace(/[,;:.!?]/g, "").replace(/'/g, d.entry.edit?.includes("curly") === true ? "\u2019" : "'"))) {
        throw new Error(`make-sample: ${d.row.id} lacks the answer of ${itemId}`);
      }
    }
  }

  // shuffle and shard
  const shuffled = new Rng("shuffle").shuffle(docs);
  const third = Math.ceil(shuffled.length / 3);
  const parts = [shuffled.slice(0, third), shuffled.slice(third, 2 * third), shuffled.slice(2 * third)];
  const names = ["web-00.jsonl", "web-01.jsonl.gz", "web-02.jsonl.zst"] as const;
  const shardInfo: Array<readonly [string, number, number, number]> = [];
  let totalBytes = 0;
  parts.forEach((part, i) => {
    const name = must(names[i], "shard name");
    for (const d of part) {
      d.entry.shard = name;
      d.entry.html_bytes = Buffer.byteLength(d.row.html, "utf8");
      d.entry.text_chars = d.row.text.length;
    }
    let body = Buffer.from(jsonl(part.map((d) => d.row)), "utf8");
    if (i === 0) body = Buffer.concat([body, Buffer.from(BAD_RECORDS, "utf8")]);
    const data = i === 0 ? body : i === 1 ? gzipSync(body, { level: 9 }) : compress(body, { compressionLevel: 19 });
    writeFileSync(new URL(name, OUT), data);
    totalBytes += body.length;
    shardInfo.push([name, part.length + (i === 0 ? 2 : 0), data.length, body.length]);
  });

  writeFileSync(new URL("testset.jsonl", OUT), items.map((t) => JSON.stringify(t)).join("\n") + "\n");
  const manifest = docs
    .map((d) => d.entry)
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareStrings(a.id, b.id));
  writeFileSync(new URL("manifest.json", OUT), JSON.stringify(manifest, null, 1) + "\n");
  writeFileSync(new URL("README.md", OUT), readme(docs, items, shardInfo, totalBytes));

  const count = new Map<string, number>();
  for (const d of docs) count.set(d.entry.kind, (count.get(d.entry.kind) ?? 0) + 1);
  console.log(`wrote ${docs.length} documents (+2 broken records), ${(totalBytes / 1024 / 1024).toFixed(2)} MB uncompressed`);
  console.log([...count.entries()].map(([k, n]) => `${k}=${n}`).join(" "));
  for (const [name, n, bytes, raw] of shardInfo) console.log(`  ${name}: ${n} rows, ${bytes} bytes (${raw} uncompressed)`);
}

await main();
