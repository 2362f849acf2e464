/**
 * htmlparser2's `Parser` with a stack that costs O(1) per tag.
 *
 * htmlparser2 12 keeps open elements newest-first (`unshift`/`shift`) and finds the element an end
 * tag closes with `indexOf`, so 100,000 nested `<div>`s take ~5·10⁹ element moves and a stray end
 * tag scans the whole stack: measured 30 s and 180 s on the hostile pages of the test suite. This
 * subclass keeps the same stack newest-last (`push`/`pop`), counts the open elements by name so an
 * end tag that closes nothing is rejected at once, and otherwise reproduces the parent's methods
 * (htmlparser2 12.0.0, MIT, `emitOpenTag`, `onclosetag`, `popElement`, `closeCurrentTag`, `onend`)
 * unchanged, and can skip decoding attributes the caller does not read.
 * `tests/core/html-parser.test.ts` checks that it emits the same events as the original.
 */
import { type Handler, Parser, type ParserOptions, Tokenizer } from "htmlparser2";

// htmlparser2 12.0.0 Parser.js: the elements whose opening closes open ones (HTML mode)
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
const foreignContextElements = new Set(["math", "svg"]);
const htmlIntegrationElements = new Set(["mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignObject", "desc", "title"]);
const SVG = 1;
const MATHML = 2;
const NONE = 0;

/** The parent's internals this class touches (private in its typings). */
interface Internals {
  htmlMode: boolean;
  stack: string[];
  foreignContext: number[];
  tagname: string;
  attribs: Record<string, string> | null;
  openTagStart: number;
  startIndex: number;
  endIndex: number;
  cbs: Partial<Handler>;
  readTagName(start: number, end: number): string;
  getSlice(start: number, end: number): string;
  buffers: string[];
  bufferOffset: number;
  attribname: string;
  attribvalue: string;
  isVoidElement(name: string): boolean;
  endOpenTag(isImplied: boolean): void;
}

const Base = Parser as unknown as new (cbs?: Partial<Handler> | null, options?: ParserOptions) => Internals;

/**
 * The kept attribute names of `text[s, e)`, compared without making a string: ASCII letters
 * case-insensitively. (`toLowerCase` maps one non-ASCII character into ASCII, the Kelvin sign to
 * `k`; a kept name with a `k` would have to take that path.)
 */
function keptName(byLength: ReadonlyMap<number, readonly string[]>, text: string, s: number, e: number): string | undefined {
  const candidates = byLength.get(e - s);
  if (candidates === undefined) return undefined;
  for (const name of candidates) {
    let k = 0;
    for (; k < name.length; k++) {
      let c = text.charCodeAt(s + k);
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      if (c !== name.charCodeAt(k)) break;
    }
    if (k === name.length) return name;
  }
  return undefined;
}

class FlatStackParser extends Base {
  /** How many elements of each name are open. */
  private readonly openCount = new Map<string, number>();
  /** Attributes worth building strings for (undefined: all), and the same by length (names without a `k`). */
  keep: ReadonlySet<string> | undefined;
  keepByLength: ReadonlyMap<number, readonly string[]> | undefined;
  private keepThis = true;

  /** The parent's, with a fast path for the common case: HTML outside SVG/MathML. */
  override readTagName(start: number, endIndex: number): string {
    if (this.foreignContext.length === 1 && this.htmlMode) {
      const name = this.getSlice(start, endIndex).toLowerCase();
      return name === "image" ? "img" : name;
    }
    return super.readTagName(start, endIndex);
  }

  onattribname(start: number, endIndex: number): void {
    this.startIndex = start;
    // the usual case, the name inside the current buffer: matched in place, so the names that are
    // not kept (most of them) never become strings
    const buffer = this.buffers[0];
    if (this.keepByLength !== undefined && buffer !== undefined && start >= this.bufferOffset && endIndex - this.bufferOffset <= buffer.length) {
      const kept = keptName(this.keepByLength, buffer, start - this.bufferOffset, endIndex - this.bufferOffset);
      this.attribname = kept ?? "";
      this.keepThis = kept !== undefined;
      return;
    }
    const name = this.getSlice(start, endIndex).toLowerCase();
    this.attribname = name;
    this.keepThis = this.keep === undefined || this.keep.has(name);
  }

  onattribdata(start: number, endIndex: number): void {
    if (this.keepThis) this.attribvalue += this.getSlice(start, endIndex);
  }

  onattribentity(cp: number): void {
    if (this.keepThis) this.attribvalue += String.fromCodePoint(cp);
  }

  onattribend(_quote: number, endIndex: number): void {
    this.endIndex = endIndex;
    if (this.keepThis && this.attribs && !Object.hasOwn(this.attribs, this.attribname)) this.attribs[this.attribname] = this.attribvalue;
    this.attribvalue = "";
  }

  private push(name: string): void {
    this.stack.push(name);
    this.openCount.set(name, (this.openCount.get(name) ?? 0) + 1);
  }

  emitOpenTag(name: string): void {
    this.openTagStart = this.startIndex;
    this.tagname = name;
    if (this.htmlMode && name === "form" && (this.openCount.get("form") ?? 0) > 0) {
      this.tagname = "";
      return;
    }
    const impliesClose = this.htmlMode ? openImpliesClose.get(name) : undefined;
    if (impliesClose) {
      while (this.stack.length > 0 && impliesClose.has(this.stack[this.stack.length - 1] as string)) this.popElement(true);
    }
    if (!this.isVoidElement(name)) {
      this.push(name);
      if (this.htmlMode) {
        if (name === "svg") this.foreignContext.unshift(SVG);
        else if (name === "math") this.foreignContext.unshift(MATHML);
        else if (htmlIntegrationElements.has(name)) this.foreignContext.unshift(NONE);
      }
    }
    this.cbs.onopentagname?.(name);
    if (this.cbs.onopentag) this.attribs = {};
  }

  onclosetag(start: number, endIndex: number): void {
    this.endIndex = endIndex;
    const name = this.readTagName(start, endIndex);
    if (!this.isVoidElement(name)) {
      const pos = (this.openCount.get(name) ?? 0) > 0 ? this.stack.lastIndexOf(name) : -1;
      if (pos !== -1) {
        for (let k = this.stack.length - 1; k > pos; k--) this.popElement(true);
        this.popElement(false);
      } else if (this.htmlMode && name === "p") {
        this.emitOpenTag("p");
        this.closeCurrentTag(true);
      }
    } else if (this.htmlMode && name === "br") {
      this.cbs.onopentagname?.("br");
      this.cbs.onopentag?.("br", {}, true);
      this.cbs.onclosetag?.("br", false);
    }
    this.startIndex = endIndex + 1;
  }

  popElement(implied: boolean): void {
    const element = this.stack.pop() as string;
    const n = (this.openCount.get(element) ?? 1) - 1;
    if (n === 0) this.openCount.delete(element);
    else this.openCount.set(element, n);
    if (this.htmlMode && (foreignContextElements.has(element) || htmlIntegrationElements.has(element))) this.foreignContext.shift();
    this.cbs.onclosetag?.(element, implied);
  }

  closeCurrentTag(isOpenImplied: boolean): void {
    const name = this.tagname;
    this.endOpenTag(isOpenImplied);
    if (this.stack[this.stack.length - 1] === name) this.popElement(!isOpenImplied);
  }

  onend(): void {
    if (this.cbs.onclosetag) {
      this.endIndex = this.startIndex;
      for (let k = this.stack.length - 1; k >= 0; k--) this.cbs.onclosetag(this.stack[k] as string, true);
    }
    this.cbs.onend?.();
  }
}

/** The tokenizer's internals the subclass touches (private in its typings). */
interface TokenizerInternals {
  buffer: string;
  index: number;
  offset: number;
  decodeEntities: boolean;
  stateText(c: number): void;
  fastForwardTo(c: number): boolean;
  handleInAttributeValue(c: number, quote: number): void;
}

const TokenizerBase = Tokenizer as unknown as new (options: ParserOptions, cbs: unknown) => TokenizerInternals;

const LT = 0x3c;
const AMP = 0x26;
const DQ = 0x22;

/**
 * htmlparser2's tokenizer, with the states that read runs of ordinary characters (text, quoted
 * attribute values) and its `fastForwardTo` jumping with `indexOf` instead of visiting each
 * character through the state switch. In those states a character other than the ones searched
 * for does nothing, so skipping to the next one changes no event: the tokenizer test checks the
 * events on every HTML fixture, written whole and in pieces, against the original.
 */
class FastTokenizer extends TokenizerBase {
  /** The next `&` of `ampBuffer` at or after `ampFrom` is at `amp` (the buffer's length: none). */
  private ampBuffer: string | undefined;
  private ampFrom = 0;
  private amp = 0;

  /** Position of the next `&` at or after `from` in the current buffer (its length when none); each `&` is searched for once. */
  private nextAmp(from: number): number {
    if (this.ampBuffer !== this.buffer || from < this.ampFrom || from > this.amp) {
      const at = this.buffer.indexOf("&", from);
      this.ampBuffer = this.buffer;
      this.ampFrom = from;
      this.amp = at === -1 ? this.buffer.length : at;
    }
    return this.amp;
  }

  /** Moves `index` to just before the next `stop` character or `&` (so the parse loop's `index++` lands on it), or to the end. */
  private skipTo(stop: string): void {
    const from = this.index - this.offset + 1;
    const at = this.buffer.indexOf(stop, from);
    const amp = this.nextAmp(from);
    this.index = (at !== -1 && at < amp ? at : amp) + this.offset - 1;
  }

  override stateText(c: number): void {
    if (c !== LT && c !== AMP && this.decodeEntities) this.skipTo("<");
    else super.stateText(c);
  }

  override handleInAttributeValue(c: number, quote: number): void {
    if (c !== quote && c !== AMP && this.decodeEntities) this.skipTo(quote === DQ ? '"' : "'");
    else super.handleInAttributeValue(c, quote);
  }

  override fastForwardTo(c: number): boolean {
    const at = this.buffer.indexOf(String.fromCharCode(c), this.index - this.offset + 1);
    if (at === -1) {
      this.index = this.buffer.length + this.offset - 1;
      return false;
    }
    this.index = at + this.offset;
    return true;
  }
}

/**
 * A streaming HTML parser (htmlparser2 semantics, `lowerCaseAttributeNames` always on) whose cost
 * per tag does not grow with nesting depth. With `keepAttributes`, only those attributes are
 * decoded and passed to `onopentag` (saves building strings for `style`, `data-*`, inline images);
 * `onattribute` is not called.
 */
export function createParser(handler: Partial<Handler>, options: ParserOptions, keepAttributes?: ReadonlySet<string>): Parser {
  const parser = new FlatStackParser(handler, { ...options, Tokenizer: FastTokenizer as unknown as NonNullable<ParserOptions["Tokenizer"]> });
  parser.keep = keepAttributes;
  if (keepAttributes !== undefined && [...keepAttributes].every((name) => name === name.toLowerCase() && !name.includes("k") && /^[\x00-\x7f]*$/.test(name))) {
    const byLength = new Map<number, string[]>();
    for (const name of keepAttributes) byLength.set(name.length, [...(byLength.get(name.length) ?? []), name]);
    parser.keepByLength = byLength;
  }
  return parser as unknown as Parser;
}
