import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../src/registry.js";
import { normalizeDomain, parseUrl, squashUrl, urlWords } from "../../src/stages/url-filter.js";
import { tempDir } from "../helpers/files.js";
import { doc, runStage } from "../helpers/stage.js";

const def = registry["url-filter"]!;

async function decide(options: unknown, urls: readonly (string | undefined)[]) {
  const docs = urls.map((url, i) => doc("text", url === undefined ? {} : { url }, `d${i}`));
  const out = await runStage(def, options, docs);
  return {
    decisions: docs.map((d) => {
      const removal = out.drops.find((x) => x.id === d.id)?.removal;
      return removal ? [removal.reason, removal.value] : "kept";
    }),
    counters: out.counters,
    drops: out.drops,
  };
}

describe("url-filter helpers", () => {
  it.each([
    ["Example.COM", "example.com"],
    ["*.example.com", "example.com"],
    [".example.com.", "example.com"],
    ["https://www.example.com:8080/path?q", "www.example.com"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["  ", ""],
  ])("normalizeDomain(%j) = %j", (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it("parses URLs with or without scheme, IDN hosts to punycode", () => {
    expect(parseUrl("https://WWW.Example.com./a/b?c#d")).toEqual({ host: "www.example.com", path: "/a/b" });
    expect(parseUrl("example.com/x")).toEqual({ host: "example.com", path: "/x" });
    expect(parseUrl("http://bücher.example/")).toEqual({ host: "xn--bcher-kva.example", path: "/" });
    expect(parseUrl("http://[::1]/")).toEqual({ host: "::1", path: "/" });
    expect(parseUrl("http://exa mple.com")).toBeUndefined();
  });

  it("splits URL words on non-alphanumerics after percent-decoding", () => {
    expect([...urlWords("https://ex.com/Free-SEX_videos/%C3%BCber?a=1")]).toEqual(["https", "ex", "com", "free", "sex", "videos", "über", "a", "1"]);
    expect([...urlWords("http://x.com/%E0%A4%A")]).toEqual(["http", "x", "com", "e0", "a4", "a"]);
    expect(squashUrl("https://a.com/Two-Girls_One%20Cup")).toBe("httpsacomtwogirlsonecup");
  });
});

describe("url-filter rules (shipped defaults)", () => {
  it("blocks listed domains and their subdomains, never look-alike hosts", async () => {
    // (the subword rule would catch the look-alikes: `pornhub` is a RefinedWeb subword)
    const { decisions } = await decide({ defaults: ["domains"] }, [
      "https://www.pornhub.com/view?x=1",
      "https://de.xhamster.com/",
      "http://literotica.com/s/story",
      "https://notpornhub.com/",
      "https://pornhub.com.example.org/",
      "https://en.wikipedia.org/wiki/Literature",
    ]);
    expect(decisions).toEqual([["blocked_domain", "pornhub.com"], ["blocked_domain", "xhamster.com"], ["blocked_domain", "literotica.com"], "kept", "kept", "kept"]);
  });

  it("drops on one hard-banned URL word, but only as a whole word", async () => {
    const { decisions } = await decide({}, ["https://example.com/free-porn-videos", "https://example.com/pornography-research", "https://example.com/hentai", "https://example.com/shittake-mushrooms"]);
    expect(decisions).toEqual([["banned_url_word", "porn"], "kept", ["banned_url_word", "hentai"], "kept"]);
  });

  it("needs softThreshold distinct soft-banned words", async () => {
    const { decisions, drops } = await decide({}, ["https://example.com/sex-education", "https://example.com/sexy-nude-webcam", "https://example.com/sex/sex/sex"]);
    expect(decisions).toEqual(["kept", ["soft_banned_url_words", 3], "kept"]);
    expect(drops[0]?.removal).toEqual({ reason: "soft_banned_url_words", value: 3, threshold: 2, detail: { words: ["sexy", "nude", "webcam"] } });
    const strict = await decide({ softThreshold: 1 }, ["https://example.com/sex-education"]);
    expect(strict.decisions).toEqual([["soft_banned_url_words", 1]]);
  });

  it("finds banned subwords across punctuation", async () => {
    const { decisions } = await decide({}, ["https://example.com/two-girls_one.cup", "https://mirror.example/xvideos123"]);
    expect(decisions).toEqual([["banned_url_subword", "twogirlsonecup"], ["banned_url_subword", "xvideos"]]);
  });

  it("counts documents without a URL or with an unparseable one, and still checks the words of the latter", async () => {
    const { decisions, counters } = await decide({}, [undefined, "", "http://exa mple.com/porn", "http://exa mple.com/ok"]);
    expect(decisions).toEqual(["kept", "kept", ["banned_url_word", "porn"], "kept"]);
    expect(counters).toEqual({ no_url: 2, invalid_url: 2 });
  });

  it("allowDomains exempts a domain and its subdomains from every rule", async () => {
    const { decisions, counters } = await decide({ allowDomains: ["wikipedia.org"] }, ["https://en.wikipedia.org/wiki/Sexy_nude_webcam", "https://example.org/Sexy_nude_webcam"]);
    expect(decisions).toEqual(["kept", ["soft_banned_url_words", 3]]);
    expect(counters).toEqual({ allowed: 1 });
  });

  it("defaults: [] switches the shipped lists off", async () => {
    const { decisions } = await decide({ defaults: [] }, ["https://pornhub.com/porn", "https://x.com/sexy-nude", "https://x.com/xvideos"]);
    expect(decisions).toEqual(["kept", "kept", "kept"]);
    const some = await decide({ defaults: ["domains"] }, ["https://pornhub.com/", "https://x.com/porn"]);
    expect(some.decisions).toEqual([["blocked_domain", "pornhub.com"], "kept"]);
  });
});

describe("url-filter user lists", () => {
  it("reads domain, URL and word files with comments", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "domains.txt"), "# my list\nbad.example   # comment\n*.worse.example\n\n");
    await writeFile(join(dir, "urls.txt"), "www.news.example/adult\n");
    await writeFile(join(dir, "words.txt"), "casino\n");
    const options = { defaults: [], domains: [join(dir, "domains.txt")], urls: [join(dir, "urls.txt")], bannedWords: [join(dir, "words.txt")] };
    const { decisions } = await decide(options, [
      "https://bad.example/",
      "https://a.b.worse.example/x",
      "https://news.example/adult/page-2",
      "https://news.example/adulthood",
      "https://news.example/sport",
      "https://example.com/online-casino",
    ]);
    expect(decisions).toEqual([
      ["blocked_domain", "bad.example"],
      ["blocked_domain", "worse.example"],
      ["blocked_url", "news.example/adult"],
      "kept",
      "kept",
      ["banned_url_word", "casino"],
    ]);
  });

  it("reads UT1 folders: one category, or a folder of categories", async () => {
    const root = await tempDir();
    await mkdir(join(root, "adult"));
    await mkdir(join(root, "gambling"));
    await mkdir(join(root, "README-only"));
    await writeFile(join(root, "adult", "domains"), "adult.example\n");
    await writeFile(join(root, "adult", "urls"), "host.example/nsfw\n");
    await writeFile(join(root, "gambling", "domains"), "bet.example\n");
    const urls = ["https://adult.example/", "https://bet.example/", "https://host.example/nsfw/1", "https://fine.example/"];
    expect((await decide({ defaults: [], ut1: [join(root, "adult")] }, urls)).decisions).toEqual([
      ["blocked_domain", "adult.example"],
      "kept",
      ["blocked_url", "host.example/nsfw"],
      "kept",
    ]);
    expect((await decide({ defaults: [], ut1: [root] }, urls)).decisions).toEqual([
      ["blocked_domain", "adult.example"],
      ["blocked_domain", "bet.example"],
      ["blocked_url", "host.example/nsfw"],
      "kept",
    ]);
  });

  it("names the option and the path when a list is missing", async () => {
    const dir = await tempDir();
    expect(() => def.create({ domains: ["nope.txt"] }, { id: "url-filter", seed: 0 })).toThrow(/cannot read list file `nope.txt`/);
    expect(() => def.create({ ut1: [dir] }, { id: "url-filter", seed: 0 })).toThrow(/has no `domains` file/);
    expect(() => def.create({ ut1: [join(dir, "missing")] }, { id: "url-filter", seed: 0 })).toThrow(/is not a folder/);
  });
});
