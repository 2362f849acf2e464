/**
 * A one-pass HTML scanner: tokenizer and tree builder in one loop, for a whole page in one string.
 *
 * It emits the events htmlparser2 12 emits in HTML mode with `decodeEntities`, lower-cased tag and
 * attribute names and `recognizeSelfClosing: false` — the same text pieces, the same implied opens
 * and closes (`<p>` closing `<p>`, `</p>` without an opening, `</br>`, a `<form>` inside a form
 * ignored, SVG and MathML contexts), the same handling of end-of-input inside a tag — and decodes
 * entities with the same decoder (the `entities` package htmlparser2 uses), so extraction is
 * unchanged. `tests/core/html-scan.test.ts` holds it to htmlparser2's events on the fixtures, on
 * real pages and on random markup built from the constructs that take special paths.
 *
 * Why not htmlparser2 itself: its tokenizer visits every character of every tag through a state
 * switch and a method call, and its parser reaches the handler through several more calls per tag;
 * here runs of text, attribute values, comments and script bodies are found with `indexOf`, names
 * are read in tight loops, and attributes the caller does not keep never become strings. Measured
 * on the evaluation pages (`npm run bench -- extract`), see README. Cost per tag does not depend on
 * nesting depth (open elements are counted by name), so 100,000 nested `<div>`s stay linear.
 *
 * Kept on purpose although they look like bugs, so that events stay identical: inside raw-text
 * elements htmlparser2 also takes the control characters U+001C and U+000F for `<` and `/` where
 * it compares characters one by one (it lower-cases with `| 0x20`), and when the input ends after
 * an end tag's name without its `>` it emits the input's last character as text.
 */
import { DecodingMode, EntityDecoder, htmlDecodeTree } from "entities/decode";

/**
 * What the scanner reports. `attributes` holds the values of the kept attributes in the order they
 * were given to `keptAttributes` (undefined: absent; the first of duplicates wins); it is reused, so
 * it is valid during the call only. Text is `source.slice(start, end)`, left for the handler to
 * slice (most whitespace between tags never needs to become a string).
 */
export interface ScanHandler {
  onopentag(name: string, attributes: ReadonlyArray<string | undefined>): void;
  ontext(source: string, start: number, end: number): void;
  onclosetag(name: string, implied: boolean): void;
}

// htmlparser2 12.0.0 Parser.js (MIT): elements whose opening closes open ones, void elements,
// HTML integration points and SVG tag-name adjustments.
const formTags = new Set(["input", "option", "optgroup", "select", "button", "datalist", "textarea"]);
const pTag = new Set(["p"]);
const headingTags = new Set(["h1", "h2", "h3", "h4", "h5", "h6", "p"]);
const tableSectionTags = new Set(["thead", "tbody"]);
const ddtTags = new Set(["dd", "dt"]);
const rtpTags = new Set(["rt", "rp"]);
const openImpliesClose = new Map<string, Set<string>>([
  ["tr", new Set(["tr", "th", "td"])],
  ["th", new Set(["th"])],
  ["td", new Set(["thead", "th", "td"])],
  ["body", new Set(["head", "link", "script"])],
  ["a", new Set(["a"])],
  ["li", new Set(["li"])],
  ["p", pTag],
  ["h1", headingTags],
  ["h2", headingTags],
  ["h3", headingTags],
  ["h4", headingTags],
  ["h5", headingTags],
  ["h6", headingTags],
  ["select", formTags],
  ["input", formTags],
  ["output", formTags],
  ["button", formTags],
  ["datalist", formTags],
  ["textarea", formTags],
  ["option", new Set(["option"])],
  ["optgroup", new Set(["optgroup", "option"])],
  ["dd", ddtTags],
  ["dt", ddtTags],
  ["address", pTag],
  ["article", pTag],
  ["aside", pTag],
  ["blockquote", pTag],
  ["details", pTag],
  ["div", pTag],
  ["dl", pTag],
  ["fieldset", pTag],
  ["figcaption", pTag],
  ["figure", pTag],
  ["footer", pTag],
  ["form", pTag],
  ["header", pTag],
  ["hr", pTag],
  ["main", pTag],
  ["nav", pTag],
  ["ol", pTag],
  ["pre", pTag],
  ["section", pTag],
  ["table", pTag],
  ["ul", pTag],
  ["rt", rtpTags],
  ["rp", rtpTags],
  ["tbody", tableSectionTags],
  ["tfoot", tableSectionTags],
]);
const voidElements = new Set(["area", "base", "basefont", "br", "col", "command", "embed", "frame", "hr", "img", "input", "isindex", "keygen", "link", "meta", "param", "source", "track", "wbr"]);
const htmlIntegrationElements = new Set(["mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignObject", "desc", "title"]);
const svgTagNameAdjustments = new Map(
  "altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence foreignObject glyphRef linearGradient radialGradient textPath"
    .split(" ")
    .map((name) => [name.toLowerCase(), name]),
);
/** Elements whose content is text up to their own end tag (outside SVG and MathML). */
const rawTextElements = new Set(["iframe", "noembed", "noframes", "plaintext", "script", "style", "title", "textarea", "xmp"]);
/** Of those, the ones whose entities are decoded. */
const rcdataElements = new Set(["title", "textarea"]);
const SVG = 1;
const MATHML = 2;
const NONE = 0;

/**
 * An element name with what the tree builder needs to know about it, made once per name (tag
 * names repeat: a page uses a few dozen), so a known tag costs no new string and its rules are
 * looked up once.
 */
class Tag {
  readonly implies: ReadonlySet<string> | undefined;
  readonly isVoid: boolean;
  /** Foreign context it opens (and its end closes): SVG, MATHML, NONE (an HTML integration point), or -1. */
  readonly context: number;
  readonly raw: boolean;
  readonly rcdata: boolean;
  /** Open elements of this name in scan `scan` (counts of older scans are stale). */
  open = 0;
  scan = 0;
  constructor(readonly name: string) {
    this.implies = openImpliesClose.get(name);
    this.isVoid = voidElements.has(name);
    this.context = name === "svg" ? SVG : name === "math" ? MATHML : htmlIntegrationElements.has(name) ? NONE : -1;
    this.raw = rawTextElements.has(name);
    this.rcdata = rcdataElements.has(name);
  }
}

/** Tags by name (bounded: past the bound a scan keeps its own), and by a hash of the source characters. */
const tags = new Map<string, Tag>();
const MAX_TAGS = 8192;
const HASH_BITS = 12;
const byHash: (Tag | undefined)[] = new Array(1 << HASH_BITS).fill(undefined);
let scans = 0;

/** The hash `startTag` and `endTag` compute while reading a name: ASCII letters folded to lower case. */
function nameHash(h: number, c: number): number {
  return (Math.imul(h, 31) + (c | 0x20)) | 0;
}

function slot(h: number): number {
  return (h ^ (h >>> HASH_BITS)) & ((1 << HASH_BITS) - 1);
}

/** Whether `s[start, end)` is `name` (lower-case ASCII) with ASCII letters in any case. */
function sameName(name: string, s: string, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let k = 0; k < name.length; k++) {
    let c = s.charCodeAt(start + k);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== name.charCodeAt(k)) return false;
  }
  return true;
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;
const AMP = 0x26;
const DQ = 0x22;
const SQ = 0x27;
const BANG = 0x21;
const QUESTION = 0x3f;
const DASH = 0x2d;

/** HTML whitespace: space, tab, LF, FF, CR. */
export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}

/** Ends a tag or attribute name: whitespace, `/`, `>` (NaN past the end does not). */
function isEndOfName(c: number): boolean {
  return isWhitespace(c) || c === SLASH || c === GT;
}

function isAsciiAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** Whether `s[start, end)` is, ASCII letters compared case-insensitively, the beginning of a raw-text element's name. */
function isRawTextPrefix(s: string, start: number, end: number): boolean {
  for (const name of rawTextElements) {
    if (end - start > name.length) continue;
    let k = 0;
    while (start + k < end && (s.charCodeAt(start + k) | 0x20) === name.charCodeAt(k)) k++;
    if (start + k === end) return true;
  }
  return false;
}

/** Marks "the input ended": returned by the readers below instead of a position. */
const END = -1;

/** The attributes a caller reads, in a fixed order; the others never become strings. */
export interface KeptAttributes {
  readonly names: readonly string[];
  /** Indexes of the names by length, when every name compares with ASCII case folding (see `keptAttributes`). */
  readonly byLength: ReadonlyMap<number, readonly number[]> | undefined;
}

/** Compiles the kept attribute names (lower case) once; values are reported by index in `names`. */
export function keptAttributes(names: readonly string[]): KeptAttributes {
  // `toLowerCase` maps only two non-ASCII characters into ASCII: U+212A (Kelvin) to `k` and U+0130
  // to `i` + U+0307 (two characters, so never a whole name); names without `k` compare on ASCII.
  const simple = names.every((name) => name === name.toLowerCase() && !name.includes("k") && /^[\x00-\x7f]*$/.test(name));
  if (!simple) return { names, byLength: undefined };
  const byLength = new Map<number, number[]>();
  names.forEach((name, index) => byLength.set(name.length, [...(byLength.get(name.length) ?? []), index]));
  return { names, byLength };
}

class Scanner {
  private readonly s: string;
  private readonly n: number;
  private readonly h: ScanHandler;
  private readonly kept: KeptAttributes;
  /** Open elements, newest last (each `Tag` counts its own open elements in this scan). */
  private readonly stack: Tag[] = [];
  private readonly scan = ++scans;
  /** Tags made past the shared table's bound, for this scan only. */
  private localTags: Map<string, Tag> | undefined;
  /** Foreign-content contexts, newest last. */
  private readonly foreign: number[] = [NONE];
  /** The start tag being read (undefined when ignored), whether its attributes are collected, their values and how many are set. */
  private tag: Tag | undefined;
  private collecting = false;
  private readonly values: (string | undefined)[];
  private valuesSet = 0;
  /** Start of the text not yet emitted. */
  private textStart = 0;
  /** The next `&` at or after `ampFrom` is at `amp` (n: none). */
  private ampFrom = 0;
  private amp = -1;
  // entity decoding: the decoder calls `emitCodePoint` with each code point
  private readonly decoder: EntityDecoder;
  private entityStart = 0;
  /** Where the scan resumes after the entity (htmlparser2's `index` + 1). */
  private resume = 0;
  /** Entities in attribute values go into `value` (from `valueStart`), elsewhere they are text. */
  private inValue = false;
  private valueStart = 0;
  private value = "";
  private keepValue = false;

  constructor(s: string, h: ScanHandler, kept: KeptAttributes) {
    this.s = s;
    this.n = s.length;
    this.h = h;
    this.kept = kept;
    this.values = kept.names.map(() => undefined);
    this.decoder = new EntityDecoder(htmlDecodeTree, (cp, consumed) => this.emitCodePoint(cp, consumed));
  }

  // ---- tree building (htmlparser2's Parser, HTML mode)

  private inForeign(): boolean {
    return this.foreign[this.foreign.length - 1] !== NONE;
  }

  private openCount(tag: Tag): number {
    return tag.scan === this.scan ? tag.open : 0;
  }

  private tagOf(name: string): Tag {
    let tag = tags.get(name) ?? this.localTags?.get(name);
    if (tag !== undefined) return tag;
    tag = new Tag(name);
    if (tags.size < MAX_TAGS) {
      tags.set(name, tag);
      // only names `readTagName` returns for the same characters in HTML context (not `image`, which becomes `img`)
      if (name !== "image" && /^[\x00-\x40\x5b-\x7f]*$/.test(name)) {
        let h = 0;
        for (let k = 0; k < name.length; k++) h = nameHash(h, name.charCodeAt(k));
        byHash[slot(h)] = tag;
      }
    } else (this.localTags ??= new Map()).set(name, tag);
    return tag;
  }

  /**
   * The tag named by `s[start, end)`, whose characters hash to `h`: the cached one when it matches
   * (HTML context), else as htmlparser2's `readTagName` makes it (lower case, SVG adjustments).
   */
  private readTag(start: number, end: number, h: number): Tag {
    if (this.foreign.length === 1) {
      const cached = byHash[slot(h)];
      if (cached !== undefined && sameName(cached.name, this.s, start, end)) return cached;
    }
    return this.tagOf(this.readTagName(start, end));
  }

  private readTagName(start: number, end: number): string {
    const name = this.s.slice(start, end).toLowerCase();
    if (this.foreign.length === 1) return name === "image" ? "img" : name;
    const context = this.foreign[this.foreign.length - 1];
    if (context === SVG) return svgTagNameAdjustments.get(name) ?? name;
    // closing tags of SVG elements inside an integration point (`</foreignObject>` in its `<p>`)
    const adjusted = svgTagNameAdjustments.get(name);
    if (adjusted !== undefined && this.openCount(this.tagOf(adjusted)) > 0) return adjusted;
    if (context === NONE) return name === "image" ? "img" : name;
    return name;
  }

  private openTag(tag: Tag): void {
    if (tag.name === "form" && this.openCount(tag) > 0) {
      this.tag = undefined;
      this.collecting = false;
      return;
    }
    this.tag = tag;
    const implies = tag.implies;
    if (implies !== undefined) {
      while (this.stack.length > 0 && implies.has((this.stack[this.stack.length - 1] as Tag).name)) this.popElement(true);
    }
    if (!tag.isVoid) {
      this.stack.push(tag);
      if (tag.scan !== this.scan) {
        tag.scan = this.scan;
        tag.open = 0;
      }
      tag.open++;
      if (tag.context !== -1) this.foreign.push(tag.context);
    }
    this.collecting = true;
  }

  /** The start tag's `>`: reports it (and closes it at once when void). */
  private endOpenTag(): void {
    const tag = this.tag;
    if (tag === undefined) return;
    if (this.collecting) {
      this.collecting = false;
      this.h.onopentag(tag.name, this.values);
      if (this.valuesSet > 0) {
        // (a loop: `fill` costs more than the few stores on an array this short)
        const values = this.values;
        for (let k = 0; k < values.length; k++) values[k] = undefined;
        this.valuesSet = 0;
      }
    }
    if (tag.isVoid) this.h.onclosetag(tag.name, true);
    this.tag = undefined;
  }

  private selfClosingTag(): void {
    if (!this.inForeign()) {
      this.endOpenTag();
      return;
    }
    const tag = this.tag;
    this.endOpenTag();
    if (tag !== undefined && this.stack[this.stack.length - 1] === tag) this.popElement(true);
  }

  private closeTag(tag: Tag): void {
    if (!tag.isVoid) {
      if (this.openCount(tag) > 0) {
        const pos = this.stack[this.stack.length - 1] === tag ? this.stack.length - 1 : this.stack.lastIndexOf(tag);
        for (let k = this.stack.length - 1; k > pos; k--) this.popElement(true);
        this.popElement(false);
      } else if (tag.name === "p") {
        // `</p>` without an open `p`: an empty paragraph
        this.openTag(tag);
        this.collecting = false;
        this.tag = undefined;
        this.h.onopentag("p", this.values);
        if (this.stack[this.stack.length - 1] === tag) this.popElement(false);
      }
    } else if (tag.name === "br") {
      this.h.onopentag("br", this.values);
      this.h.onclosetag("br", false);
    }
  }

  private popElement(implied: boolean): void {
    const tag = this.stack.pop() as Tag;
    tag.open--;
    if (tag.context !== -1) this.foreign.pop();
    this.h.onclosetag(tag.name, implied);
  }

  private end(): void {
    for (let k = this.stack.length - 1; k >= 0; k--) this.h.onclosetag((this.stack[k] as Tag).name, true);
  }

  // ---- text and entities

  private text(start: number, end: number): void {
    if (start < end) this.h.ontext(this.s, start, end);
  }

  /** Position of the next `&` at or after `from` (n when none); each `&` is searched for once. */
  private nextAmp(from: number): number {
    if (from < this.ampFrom || from > this.amp) {
      const at = this.s.indexOf("&", from);
      this.ampFrom = from;
      this.amp = at === -1 ? this.n : at;
    }
    return this.amp;
  }

  private emitCodePoint(cp: number, consumed: number): void {
    if (this.inValue) {
      if (this.keepValue) this.value += this.s.slice(this.valueStart, this.entityStart) + String.fromCodePoint(cp);
      this.valueStart = this.entityStart + consumed;
      this.resume = this.valueStart;
      return;
    }
    this.text(this.textStart, this.entityStart);
    this.textStart = this.entityStart + consumed;
    this.resume = this.textStart;
    const text = String.fromCodePoint(cp);
    this.h.ontext(text, 0, text.length);
  }

  /**
   * Decodes the entity at `amp` as htmlparser2's tokenizer does; returns where scanning resumes,
   * or END when the input ended inside it (after emitting what the decoder makes of the rest).
   */
  private entity(amp: number, mode: DecodingMode): number {
    this.entityStart = amp;
    this.resume = -1;
    this.decoder.startEntity(mode);
    const length = this.decoder.write(this.s, amp + 1);
    if (length < 0) {
      this.decoder.end();
      return END;
    }
    if (this.resume !== -1) return length === 0 ? this.resume - 1 : this.resume;
    // nothing decoded: the character after `&` is read again as ordinary input
    return length === 0 ? amp + 1 : amp + 2;
  }

  // ---- the scan

  run(): void {
    const { s, n } = this;
    let i = 0;
    for (;;) {
      let lt = s.indexOf("<", i);
      if (lt === -1) lt = n;
      const amp = this.nextAmp(i);
      if (amp < lt) {
        i = this.entity(amp, DecodingMode.Legacy);
        if (i === END) break;
        continue;
      }
      if (lt === n) break;
      this.text(this.textStart, lt);
      this.textStart = lt;
      const c = s.charCodeAt(lt + 1);
      if (isAsciiAlpha(c)) i = this.startTag(lt + 1);
      else if (c === SLASH) i = this.endTag(lt);
      else if (c === BANG) i = this.markup(lt + 2);
      else if (c === QUESTION) i = this.bogusComment(lt + 2);
      else {
        // not markup (or `<` at the very end): the `<` starts a piece of text
        i = lt + 1;
        if (i >= n) break;
        continue;
      }
      if (i === END) {
        this.end();
        return;
      }
    }
    this.text(this.textStart, n);
    this.end();
  }

  /** Text resumes after the `>` at `gt`; END when there is none. */
  private after(gt: number): number {
    if (gt === -1) return END;
    this.textStart = gt + 1;
    return gt + 1;
  }

  /** A bogus comment (`<?…>`, `</ …>`, `<!x…>`) whose `>` is searched for from `from`. */
  private bogusComment(from: number): number {
    return this.after(this.s.indexOf(">", from));
  }

  /** After `<!`: a comment, CDATA, a doctype or a bogus comment. */
  private markup(p: number): number {
    const { s, n } = this;
    if (s.charCodeAt(p) === DASH && s.charCodeAt(p + 1) === DASH) {
      const start = p + 2;
      if (start >= n) return END;
      // `<!-->` and `<!--->` end at once
      if (s.charCodeAt(start) === GT) return this.after(start);
      if (s.charCodeAt(start) === DASH && s.charCodeAt(start + 1) === GT) return this.after(start + 1);
      // the first `-->` or `--!>`: at the first `--` followed by either `>` or `!>`
      for (let k = s.indexOf("--", start); k !== -1; k = s.indexOf("--", k + 1)) {
        if (s.charCodeAt(k + 2) === GT) return this.after(k + 2);
        if (s.charCodeAt(k + 2) === BANG && s.charCodeAt(k + 3) === GT) return this.after(k + 3);
      }
      return END;
    }
    if (s.startsWith("[CDATA[", p)) {
      const start = p + 7;
      const close = s.indexOf("]]>", start);
      if (close === -1) return END;
      // CDATA is text in SVG and MathML, a comment elsewhere
      if (this.inForeign()) this.h.ontext(s, start, close);
      return this.after(close + 2);
    }
    return this.bogusComment(p);
  }

  /** `</`: an end tag, or a bogus comment, or nothing (`</>`). */
  private endTag(lt: number): number {
    const { s, n } = this;
    const p = lt + 2;
    if (p >= n) return this.trailingText(lt);
    const c = s.charCodeAt(p);
    if (c === GT) return this.after(p);
    if (!isAsciiAlpha(c)) return this.bogusComment(p + 1);
    let h = nameHash(0, c);
    let q = p + 1;
    for (; q < n; q++) {
      const d = s.charCodeAt(q);
      if (isEndOfName(d)) break;
      h = nameHash(h, d);
    }
    if (q >= n) return END;
    this.closeTag(this.readTag(p, q, h));
    return this.afterEndTagName(q);
  }

  /** After an end tag's name, at `q`: up to its `>`. */
  private afterEndTagName(q: number): number {
    if (this.s.charCodeAt(q) === GT) return this.after(q);
    const gt = this.s.indexOf(">", q + 1);
    // htmlparser2 emits the input's last character as text here (its section start is -1)
    if (gt === -1) return this.trailingText(this.n - 1);
    return this.after(gt);
  }

  /** Emits `s[from, n)` as the last text and ends. */
  private trailingText(from: number): number {
    this.text(from, this.n);
    return END;
  }

  /** A start tag whose name starts at `p`. */
  private startTag(p: number): number {
    const { s, n } = this;
    const foreignAtStart = this.inForeign();
    let h = nameHash(0, s.charCodeAt(p));
    let q = p + 1;
    for (; q < n; q++) {
      const d = s.charCodeAt(q);
      if (isEndOfName(d)) break;
      h = nameHash(h, d);
    }
    if (q >= n) {
      // htmlparser2 emits a cut-off tag name as text while it may still be a raw-text element's
      return !foreignAtStart && isRawTextPrefix(s, p, n) ? this.trailingText(p) : END;
    }
    const tag = this.readTag(p, q, h);
    // (no raw-text name is changed by `readTagName`'s adjustments)
    const raw = !foreignAtStart && tag.raw ? tag : undefined;
    this.openTag(tag);
    let k = q;
    // attributes
    for (;;) {
      if (k >= n) return END;
      let c = s.charCodeAt(k);
      if (c === GT) {
        this.endOpenTag();
        return this.body(k + 1, raw);
      }
      if (c === SLASH) {
        k++;
        while (k < n && isWhitespace(s.charCodeAt(k))) k++;
        if (k >= n) return this.trailingText(n - 1);
        if (s.charCodeAt(k) === GT) {
          this.selfClosingTag();
          return this.body(k + 1, raw);
        }
        continue;
      }
      if (isWhitespace(c)) {
        k++;
        continue;
      }
      // an attribute name: its first character is taken whatever it is (even `=`)
      const nameStart = k;
      k++;
      for (; k < n; k++) {
        c = s.charCodeAt(k);
        if (c === EQ || isEndOfName(c)) break;
      }
      if (k >= n) return END;
      const attr = this.attributeName(nameStart, k);
      while (k < n && isWhitespace(s.charCodeAt(k))) k++;
      if (k >= n) return END;
      if (s.charCodeAt(k) !== EQ) {
        // no value
        this.setAttribute(attr, "");
        continue;
      }
      k++;
      while (k < n && isWhitespace(s.charCodeAt(k))) k++;
      if (k >= n) return END;
      c = s.charCodeAt(k);
      k = c === DQ || c === SQ ? this.quotedValue(k + 1, c === DQ ? '"' : "'", attr) : this.unquotedValue(k, attr);
      if (k === END) return END;
    }
  }

  /** The index of attribute `s[start, end)` among the kept names, or -1. */
  private attributeName(start: number, end: number): number {
    const byLength = this.kept.byLength;
    if (byLength === undefined) return this.kept.names.indexOf(this.s.slice(start, end).toLowerCase());
    const candidates = byLength.get(end - start);
    if (candidates === undefined) return -1;
    for (const index of candidates) if (sameName(this.kept.names[index] as string, this.s, start, end)) return index;
    return -1;
  }

  private setAttribute(index: number, value: string): void {
    if (index !== -1 && this.collecting && this.values[index] === undefined) {
      this.values[index] = value;
      this.valuesSet++;
    }
  }

  /** A value from `start` to the closing `quote`; returns the position after it, or END. */
  private quotedValue(start: number, quote: string, attr: number): number {
    const s = this.s;
    const close = s.indexOf(quote, start);
    if (close === -1) return END;
    let amp = this.nextAmp(start);
    if (amp > close) {
      if (attr !== -1) this.setAttribute(attr, s.slice(start, close));
      return close + 1;
    }
    // entities: decoded one by one, as the tokenizer does (one cannot contain the quote)
    this.beginValue(start, attr);
    let k = start;
    while (amp < close) {
      k = this.entity(amp, DecodingMode.Attribute);
      if (k === END) return END;
      amp = this.nextAmp(k);
    }
    this.endValue(close, attr);
    return close + 1;
  }

  /** A value from `start` to whitespace or `>`; returns that position (read again), or END. */
  private unquotedValue(start: number, attr: number): number {
    const { s, n } = this;
    let k = start;
    this.beginValue(start, attr);
    for (; k < n; k++) {
      const c = s.charCodeAt(k);
      if (isWhitespace(c) || c === GT) break;
      if (c === AMP) {
        const next = this.entity(k, DecodingMode.Attribute);
        if (next === END) return END;
        k = next - 1;
      }
    }
    if (k >= n) return END;
    this.endValue(k, attr);
    return k;
  }

  private beginValue(start: number, attr: number): void {
    this.inValue = true;
    this.keepValue = attr !== -1;
    this.valueStart = start;
    this.value = "";
  }

  private endValue(end: number, attr: number): void {
    this.inValue = false;
    if (attr !== -1) this.setAttribute(attr, this.value + this.s.slice(this.valueStart, end));
    this.value = "";
  }

  /** The content after a start tag's `>` at `start - 1`: markup, or raw text up to the element's end tag. */
  private body(start: number, raw: Tag | undefined): number {
    this.textStart = start;
    if (raw === undefined) return start;
    if (raw.name === "plaintext") return this.trailingText(start);
    return this.rawText(start, `</${raw.name}`, raw.rcdata);
  }

  /**
   * Raw text (entities decoded in RCDATA) up to `</name` followed by whitespace, `/` or `>`, found
   * the way htmlparser2's tokenizer finds it: characters it visits one by one are compared with
   * `| 0x20`, the others are skipped to the next `<` (outside RCDATA).
   */
  private rawText(start: number, end: string, rcdata: boolean): number {
    const { s, n } = this;
    let matched = 0;
    let k = start;
    while (k < n) {
      const c = s.charCodeAt(k);
      if (matched === end.length) {
        if (isEndOfName(c)) {
          const textEnd = k - end.length;
          this.text(this.textStart, textEnd);
          this.closeTag(this.tagOf(this.readTagName(textEnd + 2, k)));
          return this.afterEndTagName(k);
        }
        matched = 0;
      }
      if ((c | 0x20) === end.charCodeAt(matched)) matched++;
      else if (matched === 0) {
        if (rcdata) {
          if (c === AMP) {
            const next = this.entity(k, DecodingMode.Legacy);
            if (next === END) return this.trailingText(this.textStart);
            k = next;
            continue;
          }
        } else {
          const at = s.indexOf("<", k + 1);
          if (at === -1) break;
          k = at;
          matched = 1;
        }
      } else matched = c === LT ? 1 : 0;
      k++;
    }
    return this.trailingText(this.textStart);
  }
}

let scanning = false;

/**
 * Scans a whole HTML page, calling `handler` as htmlparser2's `Parser` would call the same handler
 * (HTML mode, entities decoded, names lower-cased, `recognizeSelfClosing: false`), with only the
 * `kept` attributes. Linear time in the input for any markup. Not reentrant (the element counts
 * live on the shared tags): a handler that starts another scan gets an error.
 */
export function scanHtml(html: string, handler: ScanHandler, kept: KeptAttributes): void {
  if (scanning) throw new Error("scanHtml: a handler started another scan; scans cannot nest");
  scanning = true;
  try {
    new Scanner(html, handler, kept).run();
  } finally {
    scanning = false;
  }
}
