import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { createParser } from "../../src/core/html/parser.js";
import { repoRoot } from "../helpers/run.js";

function events(html: string, make: (h: object, o: object) => { write(s: string): void; end(): void }, chunk = html.length || 1): string[] {
  const out: string[] = [];
  const parser = make(
    {
      onopentag: (name: string, attribs: Record<string, string>, implied: boolean) => out.push(`<${name} ${JSON.stringify(attribs)} ${implied}`),
      onclosetag: (name: string, implied: boolean) => out.push(`</${name} ${implied}`),
      ontext: (text: string) => out.push(`t:${text}`),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: false },
  );
  for (let i = 0; i < html.length; i += chunk) parser.write(html.slice(i, i + chunk));
  parser.end();
  return out;
}

const KEEP = new Set(["class", "id", "role", "href", "hidden", "aria-hidden"]);
/** The original parser's events with only the kept attributes. */
const originalKept = (h: object, o: object) => {
  const { onopentag } = h as { onopentag: (name: string, attribs: Record<string, string>, implied: boolean) => void };
  return new Parser({ ...h, onopentag: (name: string, attribs: Record<string, string>, implied: boolean) => onopentag(name, Object.fromEntries(Object.entries(attribs).filter(([k]) => KEEP.has(k))), implied) }, o);
};
const flatKept = (h: object, o: object) => createParser(h, o, KEEP);

const original = (h: object, o: object) => new Parser(h, o);
const flat = (h: object, o: object) => createParser(h, o);

describe("flat-stack htmlparser2", () => {
  const pages = readdirSync(join(repoRoot, "fixtures/html"))
    .filter((f) => f.endsWith(".html"))
    .map((f) => readFileSync(join(repoRoot, "fixtures/html", f), "utf8"));
  it.each([
    "<div><p>a<p>b<ul><li>c<li>d</div>e</p></i>",
    "<table><tr><td>1<td>2<tr><th>3</table><form><form><input></form>",
    "<svg><foreignObject><p>x</p></foreignObject><desc>d</desc></svg><math><mi>m</mi></math>",
    "<select><option>a<option>b<optgroup><option>c</select><dl><dt>t<dd>d</dl>",
    "</br><br/><p/>text</p></p><h1>h<h2>i</h1>",
    "<ruby>a<rt>b<rp>c</ruby><tbody><tr><td>x</tbody><tfoot>",
    ...pages,
  ])("emits the same events as htmlparser2's Parser (%#)", (html) => {
    expect(events(html, flat)).toEqual(events(html, original));
  });

  const attributePages = [
    `<div CLASS="a" Id=b ROLE='nav' data-x="1" hReF="/x" class="second" aria-hidden="true" HIDDEN>t</div>`,
    `<p clasS="x" idx="no" i="no" hre="no" hrefs="no" arıa-hidden="no" ıd="no" \u212Aeep="no">u</p><a href="&amp;&quot;q&#39;" class='&lt;'>v</a>`,
    `<span class="a &amp; b" id=unquoted&amp;x role=>w</span><img alt="x" src=y>`,
    ...pages,
  ];
  it.each(attributePages)("with kept attributes, the same events as the original keeping only them (%#)", (html) => {
    expect(events(html, flatKept)).toEqual(events(html, originalKept));
    // written in small pieces, attribute names cross buffer boundaries
    expect(events(html, flatKept, 7)).toEqual(events(html, originalKept, 7));
  });

  it.each(pages)("the same events when the page is written in pieces of 13 characters (%#)", (html) => {
    expect(events(html, flat, 13)).toEqual(events(html, original, 13));
  });
});
