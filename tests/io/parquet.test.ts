import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Doc } from "../../src/core/doc.js";
import { newTally } from "../../src/io/bytes.js";
import { jsonSafe, readParquet } from "../../src/io/parquet.js";
import type { BadRecord, RecordOptions } from "../../src/io/records.js";
import { tempDir } from "../helpers/files.js";
import { repoRoot } from "../helpers/run.js";

const dir = join(repoRoot, "fixtures/parquet");

async function read(path: string, opts: Partial<RecordOptions> = {}): Promise<{ docs: Doc[]; bad: BadRecord[]; bytes: number }> {
  const docs: Doc[] = [];
  const bad: BadRecord[] = [];
  const tally = newTally();
  const records: RecordOptions = { file: "f.parquet", idField: "id", textField: "html", invalidUtf8: "drop", maxRecordBytes: 1 << 20, ...opts };
  for await (const doc of readParquet(path, tally, records, { bad: (b) => bad.push(b), count: () => undefined })) docs.push(doc);
  return { docs, bad, bytes: tally.bytes };
}

describe("Parquet reader (files written by pyarrow)", () => {
  it("reads zstd pages across three row groups, with JSON-safe values", async () => {
    const { docs, bad, bytes } = await read(join(dir, "web-zstd.parquet"));
    expect(bad).toEqual([]);
    expect(bytes).toBe((await readFile(join(dir, "web-zstd.parquet"))).length);
    expect(docs.map((d) => [d.id, d.source.record])).toEqual([["p1", 0], ["p2", 1], ["p3", 2], ["p4", 3], ["p5", 4]]);
    expect(docs[2]?.text).toBe('<html lang="ja"><body><p>日本語のページ。</p></body></html>');
    expect(docs[0]?.meta).toEqual({ url: "https://example.com/a", lang: "en", n_links: 3, crawled: "2024-01-05T10:00:00.000Z", score: 1.5 });
    // beyond 2^53 an INT64 stays exact as a string; nulls stay null
    expect(docs[3]?.meta.n_links).toBe("9007199254740993");
    expect(docs[4]?.meta.lang).toBeNull();
  });

  it("reads snappy pages; a null id falls back to file#row; binary becomes text or base64", async () => {
    const { docs, bad } = await read(join(dir, "web-snappy.parquet"));
    expect(bad).toEqual([]);
    expect(docs.map((d) => [d.id, d.meta.raw])).toEqual([["f.parquet#0", "//4="], ["p2", "ok"], ["p3", ""], ["p4", null], ["p5", "x"]]);
  });

  it("reads only the columns input.metaFields needs", async () => {
    const { docs } = await read(join(dir, "web-zstd.parquet"), { metaFields: ["url"] });
    expect(docs.map((d) => d.meta)).toEqual(["a", "b", "c", "d", "e"].map((x) => ({ url: `https://example.com/${x}` })));
  });

  it("records a missing text column per row", async () => {
    const { docs, bad } = await read(join(dir, "web-zstd.parquet"), { textField: "body" });
    expect(docs).toEqual([]);
    expect(bad.map((b) => [b.id, b.reason])).toEqual(["p1", "p2", "p3", "p4", "p5"].map((id) => [id, "missing_text"]));
  });

  it("records a file that is not Parquet, and a damaged row group, and goes on", async () => {
    const tmp = await tempDir();
    await writeFile(join(tmp, "junk.parquet"), "this is not parquet at all");
    const junk = await read(join(tmp, "junk.parquet"));
    expect(junk.docs).toEqual([]);
    expect(junk.bad.map((b) => [b.id, b.reason])).toEqual([["f.parquet", "corrupt_input"]]);

    // wreck the first row group's data pages (the file starts with PAR1, then row group 0)
    const bytes = Buffer.from(await readFile(join(dir, "web-zstd.parquet")));
    bytes.fill(0xee, 8, 300);
    await writeFile(join(tmp, "damaged.parquet"), bytes);
    const damaged = await read(join(tmp, "damaged.parquet"));
    expect(damaged.bad.map((b) => [b.id, b.reason])).toEqual([["f.parquet#0", "corrupt_input"]]);
    expect(damaged.bad[0]?.message).toContain("row group 0 (rows 0–1)");
    expect(damaged.docs.map((d) => d.id)).toEqual(["p3", "p4", "p5"]);
  });

  it("jsonSafe converts what JSON cannot hold", () => {
    expect(jsonSafe({ a: 1n, b: new Date(0), c: [2n, null], d: Number.NaN, e: new Uint8Array([104, 105]) })).toEqual({ a: 1, b: "1970-01-01T00:00:00.000Z", c: [2, null], d: "NaN", e: "hi" });
  });
});
