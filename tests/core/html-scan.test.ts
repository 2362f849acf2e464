import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { keptAttributes, scanHtml } from "../../src/core/html/scan.js";
import { repoRoot } from "../helpers/run.js";

const KEEP = ["class", "id", "role", "href", "hidden", "aria-hidden"];
const KEPT = keptAttributes(KEEP);

/** Events of htmlparser2's Parser (the reference), with only the kept attributes. */
function reference(html: string): string[] {
  const out: string[] = [];
  const parser = new Parser(
    {
      onopentag: (name, attribs) => out.push(`<${name} ${JSON.stringify(Object.entries(attribs).filter(([k]) => KEEP.includes(k)).sort())}`),
      onclosetag: (name, implied) => out.push(`</${name} ${implied}`),
      ontext: (text) => out.push(`t:${text}`),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: false },
  );
  parser.write(html);
  parser.end();
  return out;
}

function scanned(html: string, kept = KEPT): string[] {
  const out: string[] = [];
  scanHtml(
    html,
    {
      onopentag: (name, values) => out.push(`<${name} ${JSON.stringify(kept.names.map((k, i) => [k, values[i]]).filter(([, v]) => v !== undefined).sort())}`),
      onclosetag: (name, implied) => out.push(`</${name} ${implied}`),
      ontext: (source, start, end) => out.push(`t:${source.slice(start, end)}`),
    },
    kept,
  );
  return out;
}

/** Deterministic random markup from the pieces that take the scanner's special paths. */
function randomMarkup(count: number, seed: number): string[] {
  const pieces = ["<", "</", "<!", "<!--", "-->", "--!>", "-", "<?", ">", "/", "/>", "=", '"', "'", " ", "\n", "\t", "&", "&amp;", "&amp", "&#x41;", "&#65", "&#", "&notin;", "&noti", "&NotEqualTilde;", "a", "B", "div", "p", "P", "script", "SCRIPT", "title", "textarea", "iframe", "plaintext", "svg", "math", "foreignObject", "desc", "mi", "<![CDATA[", "]]>", "li", "tr", "td", "br", "img", "image", "form", "class=", "HREF", "é", "日本", "\u212Aeep", "\x1c\x0fscript", "<!DOCTYPE html>", "option", "select", "h1", "dd", "body", "clipPath", "<script>", "</script>", "</SCRIPT ", "<title>", "</TITLE>", "<style>", "<textarea>", "</style/", "<svg>", "</svg>", "<p>", "</p>", "</br>", "<form>", "<a href=x>", '<div class="a b">', "</div>"];
  let x = seed;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  return Array.from({ length: count }, () => {
    let s = "";
    for (let k = 1 + Math.floor(next() * 30); k > 0; k--) s += pieces[Math.floor(next() * pieces.length)];
    return s;
  });
}

describe("the one-pass HTML scanner", () => {
  const pages = readdirSync(join(repoRoot, "fixtures/html"))
    .filter((f) => f.endsWith(".html"))
    .map((f) => readFileSync(join(repoRoot, "fixtures/html", f), "utf8"));

  it.each([
    "<div><p>a<p>b<ul><li>c<li>d</div>e</p></i>",
    "<table><tr><td>1<td>2<tr><th>3</table><form><form><input></form>",
    "<svg><foreignObject><p>x</p></foreignObject><desc>d</desc><clipPath/><path/></svg><math><mi>m</mi><![CDATA[c]]></math><![CDATA[not text]]>",
    "<select><option>a<option>b<optgroup><option>c</select><dl><dt>t<dd>d</dl>",
    "</br><br/><p/>text</p></p><h1>h<h2>i</h1>",
    "<ruby>a<rt>b<rp>c</ruby><tbody><tr><td>x</tbody><tfoot>",
    "a < b && c <= d; x &amp y &notin; z &#x1F600; &#128512 &bogus; <3 <!-- c --> <!--> <!---> <!--a--!> <? pi > </ > </>",
    "<script>if (a < b && c > d) { x = '</scr' + 'ipt>'; }</script><style>p > a {}</style ><title>A &amp; B &lt</title><textarea>x<y</textarea>",
    `<div CLASS="a" Id=b ROLE='nav' data-x="1" hReF="/x" class="second" aria-hidden="true" HIDDEN>t</div>`,
    `<p clasS="x" idx="no" i="no" hre="no" hrefs="no" arıa-hidden="no" ıd="no" \u212Aeep="no">u</p><a href="&amp;&quot;q&#39;" class='&lt;'>v</a>`,
    `<span class="a &amp; b" id=unquoted&amp;x role=>w</span><img alt="x" src=y><a href=a&ampb&amp=c>`,
    "<image src=a.png>x</image><svg><image href=b.png/></svg><IMAGE>",
    "<plaintext><b>all text</b>",
  ])("emits htmlparser2's events (%#)", (html) => {
    expect(scanned(html)).toEqual(reference(html));
  });

  it.each(pages.map((html, i) => [i, html] as const))("emits htmlparser2's events on fixture page %i", (_, html) => {
    expect(scanned(html)).toEqual(reference(html));
  });

  it("emits htmlparser2's events on 3,000 random markups built from the special cases", () => {
    for (const html of randomMarkup(3000, 42)) expect(scanned(html), JSON.stringify(html)).toEqual(reference(html));
  });

  it.each([
    ["</div x", ["t:x"]], // htmlparser2 emits the last character here (its section start is -1)
    ["<br /", ["t:/"]],
    ["<scr", ["t:scr"]], // a cut-off name that may still be a raw-text element's is text
    ["<div", []],
    ["<a href='x", ["</a true"]], // the element was opened when its name ended, so the end closes it
    ["</", ["t:</"]],
    ["<", ["t:<"]],
    ["a &amp", ["t:a ", "t:&"]],
    ["<script>\x1c\x0fscript>x", ["<script []", "</script false", "t:x"]],
  ])("ends the input as htmlparser2 does: %j", (html, events) => {
    expect(scanned(html)).toEqual(events);
    expect(reference(html)).toEqual(events);
  });

  it("keeps counts right past its table of names and after a scan that threw", () => {
    // 9,000 distinct element names: more than the shared table holds
    const names = Array.from({ length: 9000 }, (_, i) => `x-${i}`);
    const html = `${names.map((n) => `<${n}>`).join("")}t${names.map((n) => `</${n}>`).join("")}</x-1>`;
    expect(scanned(html)).toEqual(reference(html));
    expect(() =>
      scanHtml(
        "<section><section><b>",
        {
          onopentag: (name) => {
            if (name === "b") throw new Error("handler failed");
          },
          ontext: () => undefined,
          onclosetag: () => undefined,
        },
        KEPT,
      ),
    ).toThrow("handler failed");
    expect(scanned("</section><section></section>")).toEqual(["<section []", "</section false"]);
  });

  it("refuses a scan started from a handler (element counts are shared), and scans again after it", () => {
    const nested = () =>
      scanHtml(
        "<div><p>x</p></div>",
        {
          onopentag: (name) => {
            if (name === "p") scanHtml("<b>inner</b>", { onopentag: () => undefined, ontext: () => undefined, onclosetag: () => undefined }, KEPT);
          },
          ontext: () => undefined,
          onclosetag: () => undefined,
        },
        KEPT,
      );
    expect(nested).toThrow("scanHtml: a handler started another scan; scans cannot nest");
    expect(scanned("<div><p>x</p></div>")).toEqual(reference("<div><p>x</p></div>"));
  });

  it("compares kept names that need full lower-casing", () => {
    const kept = keptAttributes(["k", "data-kind"]);
    expect(scanned(`<p \u212A="kelvin" DATA-KIND=x class=y>t</p>`, kept)).toEqual(['<p [["data-kind","x"],["k","kelvin"]]', "t:t", "</p false"]);
  });

  it("takes linear time on deep and broken nesting and on many comments", () => {
    const deep = `${"<div>".repeat(100_000)}x${"</div>".repeat(100_000)}`;
    const stray = `${"<div><span><font>".repeat(50_000)}x${"</b></td>".repeat(50_000)}`;
    // each comment's end is searched for from the comment, not to the end of the page
    const comments = `${"<!-- c -->a".repeat(100_000)}`;
    for (const [html, expected] of [[deep, 200_001], [stray, 300_001], [comments, 100_000]] as const) {
      let events = 0;
      scanHtml(html, { onopentag: () => events++, ontext: () => events++, onclosetag: () => events++ }, KEPT);
      expect(events).toBe(expected);
    }
  });
});
