import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ExtractOptions, extractHtml } from "../../src/core/html/extract.js";
import { binaryShare, htmlExtract } from "../../src/stages/html-extract.js";
import { repoRoot } from "../helpers/run.js";
import { doc, judge, runStage } from "../helpers/stage.js";

const plain: ExtractOptions = { boilerplate: false, links: "text", images: "drop", tables: "cells" };
const text = (html: string, options: Partial<ExtractOptions> = {}): string => extractHtml(html, { ...plain, ...options }).text;

describe("HTML rendering", () => {
  it.each([
    { name: "blank line between paragraphs", html: "<p>One</p><p>Two</p>", want: "One\n\nTwo" },
    { name: "list items on their own lines", html: "<p>Intro</p><ul><li>a</li><li>b</li></ul><p>End</p>", want: "Intro\n\na\nb\n\nEnd" },
    { name: "list item paragraphs stay items", html: "<ol><li><p>a</p></li><li><p>b</p></li></ol>", want: "a\nb" },
    { name: "headings are lines of their own", html: "<h2>Title</h2>Text after", want: "Title\n\nText after" },
    { name: "pre kept as is", html: "<p>x</p><pre>  a  b\n    c\n</pre>", want: "x\n\n  a  b\n    c" },
    { name: "br breaks a line", html: "<p>a<br>b</p>", want: "a\nb" },
    { name: "inline whitespace collapses, inline tags join", html: "<p>  a \n\t <b>bold</b>  <i>it</i>alic </p>", want: "a bold italic" },
    { name: "entities decoded", html: "<p>&amp; &lt;x&gt; &eacute; &#8364; &#x1F600; &nbsp;!</p>", want: "& <x> é € 😀 \u00a0!" },
    { name: "script, style, noscript, template, svg, iframe dropped", html: "<p>a<script>x()</script><style>p{}</style><noscript>n</noscript><template>t</template><svg><text>s</text></svg><iframe>i</iframe>b</p>", want: "ab" },
    { name: "hidden elements dropped", html: '<p>a</p><div hidden>h</div><div style="display: none">d</div><span aria-hidden="true">x</span><p>b</p>', want: "a\n\nb" },
    { name: "form controls dropped, labels kept", html: "<form><label>Name</label><input value=v><button>Go</button><select><option>o</option></select></form>", want: "Name" },
    { name: "permalink marks dropped", html: '<h2>Intro<a class="headerlink" href="#intro">¶</a></h2>', want: "Intro" },
    { name: "table cells on their own lines", html: "<table><tr><th>k</th><td>v</td></tr><tr><td>1</td><td>2</td></tr></table>", want: "k\nv\n1\n2" },
    { name: "unclosed tags still close", html: "<div><p>a<p>b<ul><li>c<li>d</div>e", want: "a\n\nb\n\nc\nd\n\ne" },
  ])("$name", ({ html, want }) => {
    expect(text(html)).toBe(want);
  });

  it("renders tables as rows, links and images as Markdown", () => {
    expect(text("<table><tr><th>k</th><th>v</th></tr><tr><td>1</td><td>2</td></tr></table>", { tables: "rows" })).toBe("k | v\n1 | 2");
    expect(text('<p>See <a href="https://x.org/a">the docs</a> now</p>', { links: "markdown" })).toBe("See [the docs](https://x.org/a) now");
    expect(text('<p><a href="/a">A</a> and <a href="javascript:void(0)">B</a></p>', { links: "markdown" })).toBe("[A](/a) and B");
    expect(text('<p><img src="/i.png" alt="A cat"> pic</p>', { images: "markdown" })).toBe("![A cat](/i.png) pic");
    expect(text('<p><img src="/i.png" alt="A cat"> pic</p>')).toBe("pic");
  });

  it("reads title and lang", () => {
    const e = extractHtml('<html lang="pt-BR"><head><title> A \n title </title><script>var t="<title>no</title>"</script></head><body><p>x</p></body></html>');
    expect([e.title, e.lang, e.text]).toEqual(["A title", "pt-BR", "x"]);
    expect(extractHtml("<p>x</p>").title).toBeUndefined();
  });
});

const para = (n: number, word = "word"): string => Array.from({ length: n }, (_, i) => `${word}${i}`).join(" ");

describe("boilerplate removal", () => {
  const article = `<h1>Title</h1><p>${para(30)}</p><p>${para(25, "more")}</p>`;
  it.each([
    { name: "nav element", html: `<nav><a href="/">Home</a> <a href="/a">About</a></nav><main>${article}</main>` },
    { name: "role=navigation", html: `<div role="navigation"><ul><li><a href="/">Start</a></li><li>Über uns</li></ul></div><div>${article}</div>` },
    { name: "header and footer outside the article", html: `<header><p>Site name</p></header>${article}<footer><p>© 2024 Site. Tous droits réservés.</p></footer>` },
    { name: "class hints in any language", html: `<div class="breadcrumbs"><a href="/">Startseite</a> › <a href="/x">Bereich</a></div>${article}<div id="cookie-banner">Wir verwenden Cookies.</div>` },
    { name: "sidebar of links", html: `<div class="sphinxsidebar">${'<p><a href="/x">Link text</a></p>'.repeat(5)}</div>${article}` },
    { name: "link list without hints", html: `<ul>${'<li><a href="/p">Page</a></li>'.repeat(6)}</ul>${article}<div><a href="/prev">← Précédent</a> | <a href="/next">Suivant →</a></div>` },
    { name: "short furniture outside the content region", html: `<div><span>Portal</span></div><div class="x">${article}</div><div><span>Powered by Thing 3.1</span></div>` },
  ])("$name is removed, the article stays", ({ html }) => {
    expect(extractHtml(html).text).toBe(`Title\n\n${para(30)}\n\n${para(25, "more")}`);
  });

  it("keeps a hinted box of prose (a DocBook sidebar note), and an article's own header", () => {
    const note = `<div class="sidebar"><p>${para(60, "note")}</p></div>`;
    expect(extractHtml(`<div>${article}${note}</div>`).text).toContain("note59");
    expect(extractHtml(`<article><header><h1>Head</h1><p>By A. Writer</p></header><p>${para(30)}</p></article>`).text).toBe(`Head\n\nBy A. Writer\n\n${para(30)}`);
  });

  it("keeps key/value rows whose keys are links, and URLs shown as text", () => {
    const html = `<p>${para(30)}</p><table><tr><th><a href="#s">Status:</a></th><td>Base</td></tr><tr><th><a href="#m">Module:</a></th><td>mod_x</td></tr></table><p>Home page: <a href="https://example.org/x">https://example.org/x</a></p>`;
    expect(extractHtml(html).text).toBe(`${para(30)}\n\nStatus:\nBase\nModule:\nmod_x\n\nHome page: https://example.org/x`);
  });

  it("a layout wrapper whose class says nav is not navigation when it holds the page", () => {
    expect(extractHtml(`<body class="wy-body-for-nav"><div class="wy-grid-for-nav">${article}</div></body>`).text).toContain("more24");
  });

  it("removes nothing with boilerplate: false", () => {
    expect(text(`<nav><a href="/">Home</a></nav><p>x</p>`)).toBe("Home\n\nx");
  });
});

describe("hostile pages", () => {
  it("100,000 nested divs: no stack overflow", () => {
    const html = `${"<div>".repeat(100_000)}<p>${para(20)}</p>${"</div>".repeat(100_000)}`;
    expect(extractHtml(html).text).toBe(para(20));
  });

  it("100,000 unclosed tags and a stray close storm", () => {
    const html = `${"<div><span><b>".repeat(100_000)}deep text ${para(15)}${"</i></td>".repeat(10_000)}`;
    expect(extractHtml(html).text).toBe(`deep text ${para(15)}`);
  });

  it("long runs of whitespace inside pre stay linear", () => {
    const html = `<pre>${" ".repeat(200_000)}x${" \n".repeat(100_000)}</pre>`;
    expect(extractHtml(html).text).toBe(`${" ".repeat(200_000)}x`);
  });

  it("binary data as text: share of control characters", () => {
    expect(binaryShare("hello\n")).toBe(0);
    expect(binaryShare("ab\u0000\u0001")).toBe(0.5);
  });
});

describe("html-extract stage", () => {
  const page = `<html lang="de"><head><title>T</title></head><body><nav><a href="/">Start</a></nav><p>${para(30)}</p></body></html>`;

  it("replaces the text and adds title and html_lang", async () => {
    const { kept } = await runStage(htmlExtract, {}, [doc(page, { url: "u" })]);
    expect(kept.map((d) => [d.text, d.meta])).toEqual([[para(30), { url: "u", title: "T", html_lang: "de" }]]);
  });

  it("drops too_large, binary_content and no_content on both sides of the limits", async () => {
    expect(await judge(htmlExtract, { maxChars: page.length }, [page])).toEqual(["kept"]);
    expect(await judge(htmlExtract, { maxChars: page.length - 1 }, [page])).toEqual(["too_large"]);
    const binary = `PK\u0003\u0004${"\u0000\u0001x".repeat(50)}${"y".repeat(300)}`;
    expect(await judge(htmlExtract, {}, [binary])).toEqual(["binary_content"]);
    expect(await judge(htmlExtract, { maxBinaryShare: 0.5 }, [binary])).toEqual(["kept"]);
    expect(await judge(htmlExtract, { maxBinaryShare: null }, [binary])).toEqual(["kept"]);
    expect(await judge(htmlExtract, {}, ["<html><script>app()</script></html>", "<p>x</p>"])).toEqual(["no_content", "kept"]);
  });

  it("passes documents of a non-HTML content type through (WET text)", async () => {
    const { kept, counters } = await runStage(htmlExtract, {}, [doc("a <b> c", { content_type: "text/plain" })]);
    expect(kept.map((d) => d.text)).toEqual(["a <b> c"]);
    expect(counters).toEqual({ not_html_passed: 1 });
  });

  it("removes removeSelectors before extraction", async () => {
    const html = `<p>${para(30)}</p><div class="promo">Buy now</div><p id="x">${para(20, "tail")}</p>`;
    const { kept, counters } = await runStage(htmlExtract, { removeSelectors: [".promo", "#x"], boilerplate: false }, [doc(html)]);
    expect(kept.map((d) => d.text)).toEqual([para(30)]);
    expect(counters.selector_removed).toBe(2);
  });

  it("readability mode extracts the article and falls back to structure over its caps", async () => {
    const article = `<html><head><title>News</title></head><body><div class="menu"><a href="/">Home</a></div><article><h1>Headline</h1>${`<p>${para(40)}.</p>`.repeat(4)}</article><footer>© site</footer></body></html>`;
    const { kept, counters } = await runStage(htmlExtract, { mode: "readability" }, [doc(article)]);
    expect(kept[0]?.text).toContain(`${para(40)}.`);
    expect(kept[0]?.text).not.toContain("© site");
    expect(kept[0]?.meta.title).toBe("News");
    expect(counters.readability_articles).toBe(1);
    const over = await runStage(htmlExtract, { mode: "readability", readabilityMaxChars: 100 }, [doc(article)]);
    expect(over.counters).toMatchObject({ readability_over_size: 1 });
    const elements = await runStage(htmlExtract, { mode: "readability", readabilityMaxElements: 3 }, [doc(article)]);
    expect(elements.counters).toMatchObject({ readability_over_elements: 1 });
    expect(elements.kept[0]?.text).toContain(`${para(40)}.`);
  });

  it("rejects unknown options and bad selectors", () => {
    expect(htmlExtract.options.safeParse({ removeSelectors: ["div["] }).success).toBe(false);
    const bad = htmlExtract.options.safeParse({ mode: "fast", boilerplat: true });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(bad.error.issues.map((i) => [i.code, i.path.join(".")])).toEqual([["invalid_value", "mode"], ["unrecognized_keys", ""]]);
  });
});

// Golden files: real pages of several templates and languages, and the sample's own kinds of pages.
// Regenerate after a deliberate change with `npx vitest run tests/stages/html-extract.test.ts -u`, and review the diff.
const goldenDir = join(repoRoot, "fixtures/html");
const goldens = readdirSync(goldenDir).filter((f) => f.endsWith(".html")).sort();

describe("extraction golden files", () => {
  it("has golden pages", () => {
    expect(goldens.length).toBeGreaterThanOrEqual(8);
  });
  it.each(goldens)("%s", async (name) => {
    const html = readFileSync(join(goldenDir, name), "utf8");
    const e = extractHtml(html);
    await expect(`title: ${e.title ?? ""}\nlang: ${e.lang ?? ""}\n\n${e.text}\n`).toMatchFileSnapshot(join(goldenDir, name.replace(/\.html$/, ".txt")));
  });
});
