import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compress } from "zstd-napi";
import type { Doc } from "../../src/core/doc.js";
import { fileBytes, newTally } from "../../src/io/bytes.js";
import { type BadRecord, LineDoc, type RecordOptions, firstInvalidUtf8, pristineBytes, readJsonArray, readJsonl, textLength } from "../../src/io/records.js";
import { chunked, tempDir } from "../helpers/files.js";

const options: RecordOptions = { file: "mem.jsonl", idField: "id", textField: "text", invalidUtf8: "drop", maxRecordBytes: 1 << 20 };

async function readAll(source: AsyncIterable<Buffer>, opts: Partial<RecordOptions> = {}, reader = readJsonl) {
  const bad: BadRecord[] = [];
  const counts: Record<string, number> = {};
  const docs: Doc[] = [];
  for await (const d of reader(source, { ...options, ...opts }, { bad: (b) => bad.push(b), count: (k, n = 1) => void (counts[k] = (counts[k] ?? 0) + n) })) docs.push(d);
  return { docs, bad, counts };
}

const input = Buffer.from('{"id":"a","text":"naïve café ☕"}\r\n\n{"id":"b","text":"日本語","lang":"ja"}\n{"text":"no id"}');

describe("readJsonl", () => {
  it.each([1, 2, 3, 4, 5, 7, 11, 13, 64, 4096])("gives the same docs for %i-byte chunks", async (size) => {
    const { docs, bad, counts } = await readAll(chunked(input, size));
    expect(docs).toEqual([
      { id: "a", text: "naïve café ☕", meta: {}, source: { file: "mem.jsonl", line: 1, offset: 0 } },
      { id: "b", text: "日本語", meta: { lang: "ja" }, source: { file: "mem.jsonl", line: 3, offset: 39 } },
      { id: "mem.jsonl:4", text: "no id", meta: {}, source: { file: "mem.jsonl", line: 4, offset: 81 } },
    ]);
    expect(bad).toEqual([]);
    expect(counts).toEqual({ blank_lines: 1 });
  });

  it("with deferText, reads lines in output shape without decoding them, and gives the same documents", async () => {
    const lines = [
      '{"id":"a","text":"plain text.\\nsecond line","lang":"en","n":[1,{"k":null}]}',
      '  {"id":"b","text":"日本語のテキスト","lang":"ja"}  ',
      '{"id":"c","text":"needs  work"}',
      '{"id":"d","text":"caf\\u00e9 escaped"}',
      '{"id":"d2","text":"e\u0301 decomposed"}',
      '{"id":7,"text":"number id"}',
      '{"text":"no id"}',
      '{"id":"e","text":"x","text":"y"}',
      "{not json",
      '{"id":"f","text":"ok"} trailing',
      '{"id":"g","body":"no text"}',
    ];
    const bytes = Buffer.from(`${lines.join("\n")}\n`);
    const plain = await readAll(chunked(bytes, 7));
    const deferred = await readAll(chunked(bytes, 7), { deferText: true });
    // only lines in output shape with at most whitespace to tidy are deferred; the rest is read as before
    expect(deferred.docs.map((d) => d instanceof LineDoc)).toEqual([true, true, true, true, true, false, false, false]);
    expect(deferred.docs.map((d) => ({ id: d.id, text: d.text, meta: d.meta, source: d.source }))).toEqual(plain.docs);
    expect(deferred.docs.map(textLength)).toEqual(plain.docs.map((d) => d.text.length));
    expect(deferred.docs.map((d) => pristineBytes(d) && Buffer.from(pristineBytes(d) as Uint8Array).toString())).toEqual(plain.docs.map((d) => pristineBytes(d) && Buffer.from(pristineBytes(d) as Uint8Array).toString()));
    expect(pristineBytes(deferred.docs[1] as Doc)?.toString()).toBe(lines[1]?.trim());
    expect(deferred.bad).toEqual(plain.bad);
    expect(deferred.bad.map((b) => b.reason)).toEqual(["malformed_json", "malformed_json", "missing_text"]);
  });

  it("decodes a deferred document's text only when it is read", async () => {
    const { docs } = await readAll(chunked(Buffer.from('{"id":"a","text":"one\\ntwo","lang":"en"}\n'), 64), { deferText: true });
    const doc = docs[0] as LineDoc;
    expect(doc).toBeInstanceOf(LineDoc);
    expect([doc.id, doc.chars, doc.ascii, doc.isNfc(), doc.isTrimmed()]).toEqual(["a", 7, true, true, true]);
    expect(doc.text).toBe("one\ntwo");
    expect(doc.meta).toEqual({ lang: "en" });
    // to code that does not know it, it is a plain document: spreading, keys, JSON, equality
    const source = { file: "mem.jsonl", line: 1, offset: 0 };
    expect({ ...doc, text: "changed" }).toEqual({ id: "a", text: "changed", meta: { lang: "en" }, source });
    expect(Object.keys(doc)).toEqual(["id", "text", "meta", "source"]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual({ id: "a", text: "one\ntwo", meta: { lang: "en" }, source });
    expect(doc).toEqual({ id: "a", text: "one\ntwo", meta: { lang: "en" }, source });
  });

  it("decodes a deferred document's metadata without its text, and its text without its metadata", async () => {
    const line = '{"id":"a","text":"say \\"hi\\"\\n\\\\/é","url":"https://e.org/?q=\\"x\\"","n":[1,{"text":"inner"}]}\n';
    const read = async () => (await readAll(chunked(Buffer.from(line), 16), { deferText: true })).docs[0] as LineDoc;
    const expected = JSON.parse(line) as { text: string; url: string; n: unknown };
    const a = await read();
    expect(a).toBeInstanceOf(LineDoc);
    expect(a.meta).toEqual({ url: expected.url, n: expected.n });
    expect(a.text).toBe(expected.text);
    const b = await read();
    expect(b.text).toBe(expected.text);
    expect(b.meta).toEqual({ url: expected.url, n: expected.n });
  });

  it("spreads a deferred document that was never read into a plain one", async () => {
    const { docs } = await readAll(chunked(Buffer.from('{"id":"a","text":"x y","lang":"en"}\n'), 64), { deferText: true });
    expect({ ...(docs[0] as Doc) }).toEqual({ id: "a", text: "x y", meta: { lang: "en" }, source: { file: "mem.jsonl", line: 1, offset: 0 } });
  });

  it("records each bad line with its reason, line and byte offset, and keeps the good ones", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"id":"ok1","text":"fine"}\n'),
      Buffer.from("{not json\n"),
      Buffer.from("[1,2]\n"),
      Buffer.from('{"id":"x","body":"no text field"}\n'),
      Buffer.from('{"id":"y","text":null}\n'),
      Buffer.from('{"id":{"a":1},"text":"bad id"}\n'),
      Buffer.from('{"id":"u","text":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n'),
      Buffer.from('{"id":"ok2","text":"also fine"}\n'),
    ]);
    for (const size of [1, 9, 1000]) {
      const { docs, bad } = await readAll(chunked(bytes, size));
      expect(docs.map((d) => d.id)).toEqual(["ok1", "ok2"]);
      expect(bad.map((b) => [b.id, b.reason, b.source.line, b.source.offset])).toEqual([
        ["mem.jsonl:2", "malformed_json", 2, 27],
        ["mem.jsonl:3", "not_an_object", 3, 37],
        ["x", "missing_text", 4, 43],
        ["y", "missing_text", 5, 77],
        ["mem.jsonl:6", "invalid_id", 6, 100],
        ["mem.jsonl:7", "invalid_utf8", 7, 131],
      ]);
      expect(bad[2]?.message).toBe("mem.jsonl:4: expected a string `text` field; no `text` field (found keys: id, body)");
      expect(bad[5]?.message).toBe("mem.jsonl:7: invalid UTF-8 at byte 18 of the line (file offset 149)");
    }
  });

  it("decodes invalid UTF-8 with U+FFFD when asked", async () => {
    const bytes = Buffer.concat([Buffer.from('{"text":"a'), Buffer.from([0xff]), Buffer.from('b"}\n')]);
    const { docs, bad, counts } = await readAll(chunked(bytes, 3), { invalidUtf8: "replace" });
    expect(docs.map((d) => d.text)).toEqual(["a\uFFFDb"]);
    expect(bad).toEqual([]);
    expect(counts).toEqual({ utf8_replaced: 1 });
  });

  it("records a record over maxRecordBytes without buffering it, and reads on", async () => {
    const big = `{"id":"big","text":"${"x".repeat(5000)}"}`;
    const bytes = Buffer.from(`{"id":"a","text":"1"}\n${big}\n{"id":"c","text":"3"}\n${big}`);
    for (const size of [7, 100, 1 << 16]) {
      const { docs, bad } = await readAll(chunked(bytes, size), { maxRecordBytes: 1000 });
      expect(docs.map((d) => d.id)).toEqual(["a", "c"]);
      expect(bad.map((b) => [b.reason, b.source.line, b.source.offset])).toEqual([
        ["record_too_large", 2, 22],
        ["record_too_large", 4, 22 + big.length + 1 + 22],
      ]);
      expect(bad[0]?.message).toBe(`mem.jsonl:2: record of ${big.length} bytes exceeds input.maxRecordBytes (1000)`);
    }
  });

  it("keeps input fields named id/text that are not the configured ones", async () => {
    const { docs } = await readAll(chunked(Buffer.from('{"doc_id":"k","content":"body","id":"other","text":"t"}\n'), 8), { idField: "doc_id", textField: "content" });
    expect(docs).toEqual([{ id: "k", text: "body", meta: { id_original: "other", text_original: "t" }, source: { file: "mem.jsonl", line: 1, offset: 0 } }]);
  });

  it("finds the first invalid UTF-8 byte", () => {
    expect(firstInvalidUtf8(Buffer.from("abc"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1); // truncated sequence
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1); // overlong
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // surrogate
    expect(firstInvalidUtf8(Buffer.from("€ok"))).toBe(-1);
  });
});

describe("compressed input", () => {
  const rows = Array.from({ length: 2000 }, (_, i) => `{"id":"r${i}","text":"row ${i} ${"lorem ".repeat(20)}"}\n`).join("");

  it.each(["gzip", "zstd"] as const)("reads %s and reports a truncated file after every complete line", async (kind) => {
    const dir = await tempDir();
    const full = kind === "gzip" ? gzipSync(Buffer.from(rows)) : compress(Buffer.from(rows));
    const whole = join(dir, `whole.jsonl.${kind === "gzip" ? "gz" : "zst"}`);
    const cut = join(dir, `cut.jsonl.${kind === "gzip" ? "gz" : "zst"}`);
    await writeFile(whole, full);
    await writeFile(cut, full.subarray(0, Math.floor(full.length / 2)));

    const ok = await readAll(fileBytes(whole, kind, newTally()));
    expect(ok.docs).toHaveLength(2000);
    expect(ok.bad).toEqual([]);

    const damaged = await readAll(fileBytes(cut, kind, newTally()));
    expect(damaged.docs.length).toBeGreaterThan(100);
    expect(damaged.docs.length).toBeLessThan(2000);
    expect(damaged.docs.map((d) => d.id)).toEqual(Array.from({ length: damaged.docs.length }, (_, i) => `r${i}`));
    expect(damaged.bad).toHaveLength(1);
    expect(damaged.bad[0]?.reason).toBe("truncated_input");
    expect(damaged.bad[0]?.source.line).toBe(damaged.docs.length + 1);
    expect(damaged.bad[0]?.message).toContain("the file ends in the middle of its compressed data");
  });

  it("reports corrupt gzip data as corrupt_input", async () => {
    const dir = await tempDir();
    const full = gzipSync(Buffer.from(rows));
    const broken = Buffer.from(full);
    for (let i = 200; i < 260; i++) broken[i] = 0xff;
    const path = join(dir, "broken.jsonl.gz");
    await writeFile(path, broken);
    const { bad } = await readAll(fileBytes(path, "gzip", newTally()));
    expect(bad.map((b) => b.reason)).toEqual(["corrupt_input"]);
  });

  it("counts and hashes the raw bytes", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.jsonl");
    await writeFile(path, rows);
    const tally = newTally();
    await readAll(fileBytes(path, "none", tally));
    expect(tally.bytes).toBe(Buffer.byteLength(rows));
    expect(tally.hash.digest("hex")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("readJsonArray", () => {
  it.each([1, 5, 64, 4096])("streams the objects of a top-level array (%i-byte chunks)", async (size) => {
    const bytes = Buffer.from('[{"id":"a","text":"x","n":1}, {"text":"y"}, 3, {"id":"c","text":"z"}]');
    const { docs, bad } = await readAll(chunked(bytes, size), { file: "a.json" }, readJsonArray);
    expect(docs).toEqual([
      { id: "a", text: "x", meta: { n: 1 }, source: { file: "a.json", record: 0 } },
      { id: "a.json#1", text: "y", meta: {}, source: { file: "a.json", record: 1 } },
      { id: "c", text: "z", meta: {}, source: { file: "a.json", record: 3 } },
    ]);
    expect(bad.map((b) => [b.id, b.reason])).toEqual([["a.json#2", "not_an_object"]]);
  });

  it("records a syntax error as malformed_json and keeps what came before", async () => {
    const bytes = Buffer.from('[{"id":"a","text":"x"}, {"id":"b", "text": oops}]');
    const { docs, bad } = await readAll(chunked(bytes, 7), { file: "a.json" }, readJsonArray);
    expect(docs.map((d) => d.id)).toEqual(["a"]);
    expect(bad.map((b) => [b.id, b.reason])).toEqual([["a.json#1", "malformed_json"]]);
  });
});
