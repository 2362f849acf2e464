import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Parser } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { createParser } from "../../src/core/html/parser.js";
import { repoRoot } from "../helpers/run.js";

function events(html: string, make: (h: object, o: object) => { write(s: string): void; end(): void }): string[] {
  const out: string[] = [];
  const parser = make(
    {
      onopentag: (name: string, attribs: Record<string, string>, implied: boolean) => out.push(`<${name} ${JSON.stringify(attribs)} ${implied}`),
      onclosetag: (name: string, implied: boolean) => out.push(`</${name} ${implied}`),
      ontext: (text: string) => out.push(`t:${text}`),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: false },
  );
  parser.write(html);
  parser.end();
  return out;
}

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
});
