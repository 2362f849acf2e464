/**
 * HTML → main text, in one pass of the HTML scanner (`scan.ts`) plus a pass over the blocks it produced.
 *
 * Rendering: block elements start a new block; a blank line separates blocks, list items, table
 * cells and definition terms stand on their own lines, headings are lines of their own, `<pre>` is
 * kept as is, `<br>` breaks a line; entities are decoded; script, style, noscript, template, svg,
 * iframe, forms controls, media and anything `hidden`/`aria-hidden`/`display:none` is dropped.
 *
 * Boilerplate removal is structural and language-independent (no word lists):
 * - containers marked as navigation by tag (`nav`, `menu`) or ARIA role (navigation, banner,
 *   contentinfo, search, menu, toolbar…) are removed unless they hold most of the page's text;
 * - containers with a boilerplate hint in their tag (`header`, `footer`, `aside` outside an
 *   article) or class/id tokens (nav, menu, sidebar, footer, breadcrumb, cookie, share, related,
 *   toc, pagination…) are removed when their text is mostly links or short; a hinted box of real
 *   prose (a DocBook "sidebar" note) stays;
 * - a block whose text is mostly link text is removed, and so is every block of a container
 *   that is mostly links across several blocks (menus, tables of contents, "Previous / Next");
 * - short non-heading blocks before the first or after the last substantial block (bylines of the
 *   site, copyright lines, "share this") are removed.
 * Thresholds were set on the evaluation set described in README (`bench/suites/extract.ts`).
 */
import { isWhitespace as isSpace, keptAttributes, scanHtml } from "./scan.js";

/** How to render and what to remove. */
export interface ExtractOptions {
  /** Remove boilerplate (false: render every visible block). */
  readonly boilerplate: boolean;
  /** `text`: anchor text only; `markdown`: `[text](href)`. */
  readonly links: "text" | "markdown";
  /** `drop`: no trace; `markdown`: `![alt](src)` for images with a source. */
  readonly images: "drop" | "markdown";
  /** `cells`: a line per cell; `rows`: a line per row, cells joined by ` | `. */
  readonly tables: "cells" | "rows";
}

export const defaultExtractOptions: ExtractOptions = { boilerplate: true, links: "text", images: "drop", tables: "cells" };

/** What extraction found. */
export interface Extracted {
  readonly text: string;
  /** `<title>`, whitespace collapsed. */
  readonly title: string | undefined;
  /** `lang` of `<html>` (or `<body>`). */
  readonly lang: string | undefined;
  /** Blocks rendered, and blocks removed as boilerplate. */
  readonly blocks: number;
  readonly removedBlocks: number;
}

// Tuned on the labelled set (see README, "HTML extraction"); each is a structural measure.
/** A block whose link characters exceed this share of its characters is navigation. */
const BLOCK_LINK_DENSITY = 0.5;
/** A container of ≥ LIST_MIN_BLOCKS blocks whose text is links beyond this share is a link list. */
const LIST_LINK_DENSITY = 0.7;
const LIST_MIN_BLOCKS = 3;
/** A hinted container is boilerplate when its link share exceeds this, or its non-link text is below HINT_MIN_TEXT chars. */
const HINT_LINK_DENSITY = 0.25;
const HINT_MIN_TEXT = 300;
/** A navigation-marked or hinted container holding more than this share of the page's text is a layout wrapper. */
const NAV_MAX_SHARE = 0.5;
/** The content region is widened until it holds this share of the text that is kept. */
const REGION_SHARE = 0.67;
/** A block with at least this many non-link characters anchors the content region. */
const ANCHOR_CHARS = 60;

const SKIP = new Set(["script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "select", "button", "input", "textarea", "audio", "video", "map", "datalist", "dialog", "head", "math", "frameset", "applet"]);
const BLOCK = new Set([
  "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "listing", "plaintext", "xmp",
]);
const ITEM = new Set(["li", "dt", "dd", "td", "th", "tr", "option"]);
/** Elements that hold a paragraph of text rather than a layout of blocks. */
const TEXT_BLOCK = new Set(["p", "li", "dt", "dd", "td", "th", "tr", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption", "summary", "address", "legend"]);
const HEADING = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);
const NAV_ROLES = new Set(["navigation", "banner", "contentinfo", "search", "menu", "menubar", "toolbar", "tablist", "directory"]);
const NEG_TOKENS = new Set([
  "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "crumbs", "sidebar", "sidenav", "footer", "header", "masthead", "banner", "cookie", "cookies", "consent", "gdpr", "share", "sharing", "social", "related", "pagination", "pager", "skip", "skiplink", "toolbar", "topbar", "subnav", "widget", "widgets", "advert", "advertisement", "ads", "promo", "sponsor", "sponsored", "newsletter", "subscribe", "popup", "modal", "login", "signup", "searchbox", "search", "copyright", "legal", "sitemap", "toc", "docnav", "navheader", "navfooter", "toplang", "bottomlang", "quickview", "dropdown", "dropdowns", "tags", "taglist", "comments-link", "printfooter", "catlinks", "mw-navigation", "portal",
]);
const NEG_AFFIXES = ["nav", "menu", "sidebar", "footer", "header", "breadcrumb", "cookie", "banner", "toolbar", "share"];
const POS_TOKENS = new Set(["article", "content", "main", "body", "post", "entry", "story", "document", "documentwrapper", "bodywrapper", "prose", "markdown", "maincontent", "articlebody", "blogpost", "mw-content-text"]);
/** The token lists of the class/id hints (exported for tests). */
export const hintTokens = { neg: NEG_TOKENS, negAffixes: NEG_AFFIXES, pos: POS_TOKENS } as const;

interface Node {
  readonly tag: string;
  readonly parent: number;
  /** -2 navigation-marked, -1 hinted, 0 neutral, 1 positive. */
  readonly hint: number;
  /** Inside an article/main (or positive) container. */
  readonly inArticle: boolean;
  chars: number;
  linkChars: number;
  blocks: number;
}

interface Block {
  readonly text: string;
  readonly node: number;
  readonly chars: number;
  readonly linkChars: number;
  /** `h` heading, `i` item (own line), `p` paragraph, `r` pre. */
  readonly kind: "h" | "i" | "p" | "r";
}

function tokensOf(value: string): string[] {
  // split on punctuation and camelCase humps: "mobileNav" → mobile, nav
  return value
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1);
}

const NEG = 1;
const POS = 2;
/** Longest class + id string looked at (tokens beyond it are ignored). */
const HINT_MAX = 512;
const hintCache = new Map<string, number>();

/** NEG and POS flags of one class value; cached, as pages repeat their class names. */
function hintFlags(value: string): number {
  let flags = hintCache.get(value);
  if (flags === undefined) {
    flags = computeFlags(value);
    if (hintCache.size >= 16_384) hintCache.clear();
    hintCache.set(value, flags);
  }
  return flags;
}

/**
 * Boilerplate (-1) or content (+1) hint of an element's class and id tokens: -1 when some token
 * is a boilerplate one and none a content one, +1 the other way round. Class and id are looked at
 * separately, as the tokens of `class + " " + id` are those of each (classes through the cache;
 * ids are mostly unique, and caching them filled the cache with misses); when that string would be
 * cut at `HINT_MAX`, it is tokenized whole as before.
 */
function classHint(attributes: Attributes): number {
  const cls = attributes[CLASS];
  const id = attributes[ID];
  if (cls === undefined && id === undefined) return 0;
  const flags = (cls?.length ?? 0) + 1 + (id?.length ?? 0) > HINT_MAX ? computeFlags(`${cls ?? ""} ${id ?? ""}`) : (cls === undefined ? 0 : hintFlags(cls)) | (id === undefined ? 0 : computeFlags(id));
  return flags === NEG ? -1 : flags === POS ? 1 : 0;
}

/** The NEG (1) and POS (2) flags of a class or id value's tokens (exported for tests). */
export function computeFlags(value: string): number {
  if (value.length <= 1) return 0;
  const v = value.length > HINT_MAX ? value.slice(0, HINT_MAX) : value;
  // ASCII values (nearly all) are cut into tokens in one pass, as `tokensOf` cuts them: at
  // characters other than letters and digits, and before an upper-case letter that follows a
  // lower-case letter or digit; other values go through `tokensOf` (`toLowerCase` maps a few
  // non-ASCII characters into ASCII)
  let flags = 0;
  let start = -1;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x80) return tokenListFlags(tokensOf(v));
    const upper = c >= 0x41 && c <= 0x5a;
    if (!(upper || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) {
      if (start !== -1 && i - start > 1) flags |= tokenFlags(v.slice(start, i).toLowerCase());
      start = -1;
    } else if (start === -1) start = i;
    else if (upper) {
      const p = v.charCodeAt(i - 1);
      if ((p >= 0x61 && p <= 0x7a) || (p >= 0x30 && p <= 0x39)) {
        if (i - start > 1) flags |= tokenFlags(v.slice(start, i).toLowerCase());
        start = i;
      }
    }
  }
  if (start !== -1 && v.length - start > 1) flags |= tokenFlags(v.slice(start).toLowerCase());
  return flags;
}

function tokenListFlags(tokens: readonly string[]): number {
  let flags = 0;
  for (const token of tokens) flags |= tokenFlags(token);
  return flags;
}

/** POS for a content token, NEG for a boilerplate one (or one with a boilerplate prefix or suffix). */
function tokenFlags(token: string): number {
  if (POS_TOKENS.has(token)) return POS;
  return NEG_TOKENS.has(token) || NEG_AFFIXES.some((a) => token.length > a.length + 2 && (token.startsWith(a) || token.endsWith(a))) ? NEG : 0;
}

function isHidden(attributes: Attributes): boolean {
  if (attributes[HIDDEN] !== undefined) return true;
  if (attributes[ARIA_HIDDEN] === "true") return true;
  const style = attributes[STYLE];
  return style !== undefined && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style);
}

/** The attributes extraction reads, by index; the scanner skips decoding the others. */
const ATTRIBUTE_NAMES = ["class", "id", "role", "href", "src", "alt", "lang", "hidden", "aria-hidden", "style", "itemprop"] as const;
const ATTRIBUTES = keptAttributes(ATTRIBUTE_NAMES);
const at = (name: (typeof ATTRIBUTE_NAMES)[number]): number => ATTRIBUTE_NAMES.indexOf(name);
const CLASS = at("class");
const ID = at("id");
const ROLE = at("role");
const HREF = at("href");
const SRC = at("src");
const ALT = at("alt");
const LANG = at("lang");
const HIDDEN = at("hidden");
const ARIA_HIDDEN = at("aria-hidden");
const STYLE = at("style");
const ITEMPROP = at("itemprop");
type Attributes = ReadonlyArray<string | undefined>;
const PERMALINK = /^[^\p{L}\p{N}]{1,2}$/u;
const URL_TEXT = /^(?:https?:\/\/|www\.)[^\s]+$/i;
const URL_START = /^(?:https?:\/\/|www\.)/i;

/**
 * Whether the text of `pieces` from `start` may match `URL_TEXT`: false when its first piece with
 * text is long enough to show it does not start as a URL (most links), so that text is not built.
 */
function mayBeUrl(pieces: readonly string[], start: number): boolean {
  for (let i = start; i < pieces.length; i++) {
    const first = (pieces[i] as string).trimStart();
    if (first !== "") return first.length < 8 || URL_START.test(first);
  }
  return false;
}

/** Extracts the main text of an HTML page. Never throws on bad markup; time is linear in the input. */
export function extractHtml(html: string, options: ExtractOptions = defaultExtractOptions): Extracted {
  const nodes: Node[] = [{ tag: "#root", parent: -1, hint: 0, inArticle: false, chars: 0, linkChars: 0, blocks: 0 }];
  const blocks: Block[] = [];
  const stack: number[] = [0]; // open block nodes
  const openTags: string[] = []; // every open element, to match closes to opens
  const openIsBlock: boolean[] = [];
  let skipDepth = 0; // > 0 while inside a dropped element
  let titleDepth = 0;
  let title = "";
  let lang: string | undefined;
  let preDepth = 0;
  // the block being built
  let pieces: string[] = [];
  let chars = 0;
  let linkChars = 0;
  let space = false;
  let linkDepth = 0;
  const links: { start: number; href: string | undefined }[] = [];
  let rowCells = 0;
  let headDepth = 0;
  const openLinks: boolean[] = [];

  const kindOf = (tag: string): Block["kind"] => (HEADING.has(tag) ? "h" : tag === "pre" || tag === "listing" || tag === "xmp" || tag === "plaintext" ? "r" : ITEM.has(tag) ? "i" : "p");

  const flush = (): void => {
    if (chars === 0) {
      if (pieces.length > 0) pieces = [];
      space = false;
      return;
    }
    const node = stack[stack.length - 1] as number;
    const n = nodes[node] as Node;
    let text = pieces.join("");
    text = preDepth > 0 ? text.replace(/^\n+/, "").trimEnd() : text.trim();
    // a paragraph that is the body of a list item (`<li><p>…`) is laid out as the item
    let kind = kindOf(n.tag);
    if (kind === "p" && n.parent > 0 && ITEM.has((nodes[n.parent] as Node).tag)) kind = "i";
    if (text !== "") blocks.push({ text, node, chars, linkChars, kind });
    pieces = [];
    chars = 0;
    linkChars = 0;
    space = false;
    // a link that spans blocks continues in the new one
    for (const l of links) l.start = 0;
  };

  /** Adds `src[from, to)` to the block; `append(text)` adds a whole string. */
  const append = (src: string, from = 0, to = src.length): void => {
    if (preDepth > 0) {
      pieces.push(src.slice(from, to));
      const n = nonSpace(src, from, to);
      chars += n;
      if (linkDepth > 0) linkChars += n;
      return;
    }
    // collapse whitespace; remember a pending space between pieces
    let start = from;
    let end = to;
    while (start < end && isSpace(src.charCodeAt(start))) start++;
    if (start > from) space = true;
    if (start === end) return;
    while (end > start && isSpace(src.charCodeAt(end - 1))) end--;
    const core = collapse(src, start, end);
    if (space && pieces.length > 0) pieces.push(" ");
    pieces.push(core);
    const n = core.length;
    chars += n;
    if (linkDepth > 0) linkChars += n;
    space = end < to;
  };

  const lineBreak = (): void => {
    if (pieces.length > 0) pieces.push("\n");
    space = false;
  };

  scanHtml(
    html,
    {
      onopentag(name, attributes) {
        if (skipDepth > 0) {
          skipDepth++;
          openTags.push(name);
          openIsBlock.push(false);
          return;
        }
        if ((name === "html" || name === "body") && lang === undefined && attributes[LANG]) lang = attributes[LANG];
        // `title` lives in `head`, whose other content is not text
        if (name === "title") titleDepth++;
        if (SKIP.has(name) || isHidden(attributes)) {
          if (name === "head") {
            // keep reading <title> inside <head>
            openTags.push(name);
            openIsBlock.push(false);
            headDepth++;
            return;
          }
          skipDepth = 1;
          openTags.push(name);
          openIsBlock.push(false);
          return;
        }
        if (headDepth > 0) {
          openTags.push(name);
          openIsBlock.push(false);
          return;
        }
        if (name === "br") {
          lineBreak();
          openTags.push(name);
          openIsBlock.push(false);
          return;
        }
        if (name === "img") {
          const src = attributes[SRC];
          if (options.images === "markdown" && src) append(`![${(attributes[ALT] ?? "").replace(/\s+/g, " ").trim()}](${src})`);
          openTags.push(name);
          openIsBlock.push(false);
          return;
        }
        const href = name === "a" ? attributes[HREF] : undefined;
        if (name === "a") openLinks.push(href !== undefined);
        if (href !== undefined) {
          // an anchor without href (`<a name=…>`) is a target, not a link
          linkDepth++;
          links.push({ start: pieces.length, href });
          openTags.push(name);
          openIsBlock.push(false);
          return;
        }
        if (options.tables === "rows" && (name === "td" || name === "th")) {
          if (rowCells > 0) {
            if (space || pieces.length > 0) pieces.push(" | ");
            space = false;
          }
          rowCells++;
          openTags.push(name);
          openIsBlock.push(false);
          return;
        }
        if (BLOCK.has(name)) {
          flush();
          if (name === "tr") rowCells = 0;
          if (name === "pre" || name === "listing" || name === "xmp" || name === "plaintext") preDepth++;
          const parent = stack[stack.length - 1] as number;
          const p = nodes[parent] as Node;
          let hint = classHint(attributes);
          const role = attributes[ROLE]?.toLowerCase();
          if (name === "nav" || name === "menu" || (role !== undefined && NAV_ROLES.has(role))) hint = -2;
          else if ((name === "header" || name === "footer" || name === "aside") && !p.inArticle) hint = Math.min(hint, -1) || -1;
          else if (name === "article" || name === "main" || role === "main" || role === "article" || attributes[ITEMPROP] === "articleBody") hint = 1;
          nodes.push({ tag: name, parent, hint, inArticle: p.inArticle || hint === 1 || name === "article" || name === "main", chars: 0, linkChars: 0, blocks: 0 });
          stack.push(nodes.length - 1);
          openTags.push(name);
          openIsBlock.push(true);
          return;
        }
        openTags.push(name);
        openIsBlock.push(false);
      },
      ontext(src, start, end) {
        if (titleDepth > 0 && skipDepth === 0) {
          if (title.length < 4096) title += src.slice(start, end);
          return;
        }
        if (skipDepth > 0 || headDepth > 0) return;
        append(src, start, end);
      },
      onclosetag(name) {
        const open = openTags.pop();
        const wasBlock = openIsBlock.pop() ?? false;
        if (open === undefined) return;
        if (name === "title" && titleDepth > 0) titleDepth--;
        if (skipDepth > 0) {
          skipDepth--;
          return;
        }
        if (open === "head" && headDepth > 0) {
          headDepth--;
          return;
        }
        if (headDepth > 0) return;
        if (open === "a" && openLinks.pop() === true) {
          linkDepth = Math.max(0, linkDepth - 1);
          const link = links.pop();
          if (link && (options.links === "markdown" || link.href?.startsWith("#") || mayBeUrl(pieces, link.start))) {
            const text = pieces.slice(link.start).join("").trim();
            if (URL_TEXT.test(text)) {
              // a link that shows its own address is a citation, not navigation: count it as text
              linkChars -= Math.min(linkChars, text.length);
            }
            if (link.href?.startsWith("#") && PERMALINK.test(text)) {
              // a permalink mark (¶, #, §) next to a heading: not text
              const removed = text.length;
              pieces.length = link.start;
              chars -= removed;
              linkChars -= removed;
            } else if (options.links === "markdown" && link.href && text !== "" && !/^\s*javascript:/i.test(link.href)) {
              const lead = pieces[link.start] === " " ? " " : "";
              pieces.length = link.start;
              pieces.push(`${lead}[${text}](${link.href.trim()})`);
            }
          }
          return;
        }
        if (wasBlock) {
          if (open === "tr" && options.tables === "rows") rowCells = 0;
          flush();
          if (open === "pre" || open === "listing" || open === "xmp" || open === "plaintext") preDepth = Math.max(0, preDepth - 1);
          if (stack.length > 1) stack.pop();
        }
      },
    },
    ATTRIBUTES,
  );
  flush();

  const keep = options.boilerplate ? classify(nodes, blocks) : blocks.map(() => true);
  const out: string[] = [];
  let prev: Block | undefined;
  let kept = 0;
  for (let i = 0; i < blocks.length; i++) {
    if (!keep[i]) continue;
    const block = blocks[i] as Block;
    if (prev !== undefined) out.push(prev.kind === "i" && block.kind === "i" ? "\n" : "\n\n");
    out.push(block.text);
    prev = block;
    kept++;
  }
  const cleanTitle = title.replace(/\s+/g, " ").trim();
  return { text: out.join(""), title: cleanTitle === "" ? undefined : cleanTitle, lang: lang?.trim() || undefined, blocks: blocks.length, removedBlocks: blocks.length - kept };
}

/**
 * `src[start, end)` (which starts and ends with non-space) with each run of HTML whitespace other
 * than a single space made one space, as `replace(/[ \t\n\r\f]+/g, " ")` does. One pass over the
 * characters finds the first such run (most pieces have none and are returned as a slice); only
 * the rest of a piece that has one is rebuilt.
 */
function collapse(src: string, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c > 32) continue;
    // (the piece ends with non-space, so a space before `end` has a next character)
    if (c === 32 ? isSpace(src.charCodeAt(i + 1)) : isSpace(c)) return rebuild(src, start, end, i);
  }
  return start === 0 && end === src.length ? src : src.slice(start, end);
}

/** `collapse` from the first run to change, at `first`. */
function rebuild(src: string, start: number, end: number, first: number): string {
  let out = "";
  let last = start;
  for (let i = first; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c > 32 || !isSpace(c)) continue;
    let j = i + 1;
    while (j < end && isSpace(src.charCodeAt(j))) j++;
    if (c !== 32 || j > i + 1) {
      out += src.slice(last, i) + " ";
      last = j;
    }
    i = j - 1;
  }
  return out + src.slice(last, end);
}

/** Characters of `src[start, end)` that are not HTML whitespace. */
function nonSpace(src: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (!isSpace(src.charCodeAt(i))) n++;
  return n;
}

/** Adds each block to its node, then each node to its parent (children follow their parents). */
function sumUp(nodes: Node[], blocks: Block[], skip: Uint8Array | undefined, maxPlain: Int32Array): void {
  for (const n of nodes) {
    n.chars = 0;
    n.linkChars = 0;
    n.blocks = 0;
  }
  maxPlain.fill(0);
  for (const b of blocks) {
    if (skip?.[b.node]) continue;
    const n = nodes[b.node] as Node;
    n.chars += b.chars;
    n.linkChars += b.linkChars;
    n.blocks++;
    maxPlain[b.node] = Math.max(maxPlain[b.node] as number, b.chars - b.linkChars);
  }
  for (let i = nodes.length - 1; i > 0; i--) {
    const n = nodes[i] as Node;
    const p = nodes[n.parent] as Node;
    p.chars += n.chars;
    p.linkChars += n.linkChars;
    p.blocks += n.blocks;
    maxPlain[n.parent] = Math.max(maxPlain[n.parent] as number, maxPlain[i] as number);
  }
}

/** Decides, per block, whether it is content. */
function classify(nodes: Node[], blocks: Block[]): boolean[] {
  const maxPlain = new Int32Array(nodes.length);
  sumUp(nodes, blocks, undefined, maxPlain);
  const total = Math.max(1, (nodes[0] as Node).chars);
  const boiler = new Uint8Array(nodes.length); // 1: the node and its subtree are boilerplate
  // 1. containers marked or hinted as boilerplate, judged on everything they hold
  for (let i = 1; i < nodes.length; i++) {
    const n = nodes[i] as Node;
    if (boiler[n.parent]) {
      boiler[i] = 1;
      continue;
    }
    const density = n.chars === 0 ? 0 : n.linkChars / n.chars;
    // a marked container that holds most of the page is a layout wrapper (`wy-grid-for-nav`), not navigation
    if (n.chars / total > NAV_MAX_SHARE) continue;
    if (n.hint === -2) boiler[i] = 1;
    else if (n.hint === -1) boiler[i] = density > HINT_LINK_DENSITY || n.chars - n.linkChars < HINT_MIN_TEXT ? 1 : 0;
  }
  // 2. link lists, judged on what is left: several blocks, mostly links, no real paragraph
  sumUp(nodes, blocks, boiler, maxPlain);
  const listOnly = new Uint8Array(nodes.length); // boilerplate only as a link list
  const depth = new Int32Array(nodes.length);
  for (let i = 1; i < nodes.length; i++) {
    const n = nodes[i] as Node;
    depth[i] = (depth[n.parent] as number) + 1;
    if (boiler[i]) continue;
    if (boiler[n.parent]) {
      boiler[i] = 1;
      listOnly[i] = listOnly[n.parent] as number;
      continue;
    }
    if (n.blocks >= LIST_MIN_BLOCKS && n.linkChars / Math.max(1, n.chars) > LIST_LINK_DENSITY && (maxPlain[i] as number) < ANCHOR_CHARS) {
      boiler[i] = 1;
      listOnly[i] = 1;
    }
  }
  const cells = new Int32Array(nodes.length);
  const linkyCells = new Int32Array(nodes.length);
  for (const b of blocks) {
    const row = rowOf(nodes, b.node);
    if (row === -1) continue;
    cells[row] = (cells[row] as number) + 1;
    if (b.linkChars / Math.max(1, b.chars) > BLOCK_LINK_DENSITY) linkyCells[row] = (linkyCells[row] as number) + 1;
  }
  // link lists lose their links and items; a plain heading or paragraph inside stays
  const keep = blocks.map((b) => {
    if (boiler[b.node] && !(listOnly[b.node] && b.linkChars === 0 && b.kind !== "i")) return false;
    const n = nodes[b.node] as Node;
    if (n.tag === "h1") return true;
    // a table cell is judged with its row: `<th><a>Status:</a></th><td>Base</td>` is a field,
    // a row whose every cell is a link is a menu
    const row = rowOf(nodes, b.node);
    if (row !== -1) return (linkyCells[row] as number) < (cells[row] as number);
    return !(b.chars > 0 && b.linkChars / b.chars > BLOCK_LINK_DENSITY);
  });
  // the content region: the smallest container holding every substantial block. Short blocks
  // outside it are page furniture (site name, copyright line, "share this"), except headings
  // before it (a page title often sits apart from the article body).
  let region = -1;
  let firstAnchor = -1;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i] as Block;
    if (!keep[i] || b.chars - b.linkChars < ANCHOR_CHARS) continue;
    if (firstAnchor === -1) firstAnchor = i;
    region = region === -1 ? b.node : commonAncestor(nodes, depth, region, b.node);
  }
  // a region that is itself a paragraph-level element means one anchor: take its container; and a
  // region must hold most of the text still kept (one long paragraph among many short ones)
  while (region > 0 && TEXT_BLOCK.has((nodes[region] as Node).tag)) region = (nodes[region] as Node).parent;
  if (region > 0) {
    const plain = new Float64Array(nodes.length);
    let total = 0;
    for (let i = 0; i < blocks.length; i++) {
      if (!keep[i]) continue;
      const b = blocks[i] as Block;
      plain[b.node] = (plain[b.node] as number) + b.chars - b.linkChars;
      total += b.chars - b.linkChars;
    }
    for (let i = nodes.length - 1; i > 0; i--) plain[(nodes[i] as Node).parent] = (plain[(nodes[i] as Node).parent] as number) + (plain[i] as number);
    while (region > 0 && (plain[region] as number) < REGION_SHARE * total) region = (nodes[region] as Node).parent;
  }
  if (region !== -1) {
    for (let i = 0; i < blocks.length; i++) {
      if (!keep[i]) continue;
      const b = blocks[i] as Block;
      if (isInside(nodes, depth, b.node, region)) continue;
      if (b.kind === "h" && i < firstAnchor) continue;
      if (b.chars - b.linkChars < ANCHOR_CHARS) keep[i] = false;
    }
  }
  return keep;
}

function commonAncestor(nodes: Node[], depth: Int32Array, a: number, b: number): number {
  let x = a;
  let y = b;
  while ((depth[x] as number) > (depth[y] as number)) x = (nodes[x] as Node).parent;
  while ((depth[y] as number) > (depth[x] as number)) y = (nodes[y] as Node).parent;
  while (x !== y) {
    x = (nodes[x] as Node).parent;
    y = (nodes[y] as Node).parent;
  }
  return x;
}

function isInside(nodes: Node[], depth: Int32Array, node: number, region: number): boolean {
  let x = node;
  while ((depth[x] as number) > (depth[region] as number)) x = (nodes[x] as Node).parent;
  return x === region;
}

/** The `tr` a table cell block belongs to, or -1. */
function rowOf(nodes: Node[], node: number): number {
  const n = nodes[node] as Node;
  if (n.tag !== "td" && n.tag !== "th") return -1;
  return n.parent > 0 && (nodes[n.parent] as Node).tag === "tr" ? n.parent : -1;
}
