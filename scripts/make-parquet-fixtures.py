"""Writes fixtures/parquet/ with pyarrow (the writer behind Hugging Face `datasets`), so the reader
is tested on files another tool wrote. Run: python3 scripts/make-parquet-fixtures.py (needs pyarrow).

- web-zstd.parquet: 5 rows {id, url, html, lang, n_links (int64), crawled (timestamp), score (double)},
  zstd pages, 2 rows per row group (3 row groups), dictionary encoding on.
- web-snappy.parquet: the same rows, snappy, one row group, a null id and a binary `raw` column.
"""
import datetime
import pyarrow as pa
import pyarrow.parquet as pq

rows = [
    ("p1", "https://example.com/a", "<html lang=\"en\"><body><p>Alpha page.</p></body></html>", "en", 3, 1.5),
    ("p2", "https://example.com/b", "<html lang=\"de\"><body><p>Grüße aus Köln.</p></body></html>", "de", 0, 2.25),
    ("p3", "https://example.com/c", "<html lang=\"ja\"><body><p>日本語のページ。</p></body></html>", "ja", 12, -1.0),
    ("p4", "https://example.com/d", "<html><body><p>Fourth.</p></body></html>", "en", 9007199254740993, 0.0),
    ("p5", "https://example.com/e", "<html><body><p>Fifth.</p></body></html>", None, 1, 3.0),
]
crawled = [datetime.datetime(2024, 1, 5, 10, i, tzinfo=datetime.timezone.utc) for i in range(len(rows))]
table = pa.table({
    "id": [r[0] for r in rows],
    "url": [r[1] for r in rows],
    "html": [r[2] for r in rows],
    "lang": [r[3] for r in rows],
    "n_links": pa.array([r[4] for r in rows], pa.int64()),
    "crawled": pa.array(crawled, pa.timestamp("ms", tz="UTC")),
    "score": [r[5] for r in rows],
})
pq.write_table(table, "fixtures/parquet/web-zstd.parquet", compression="zstd", row_group_size=2)

snappy = table.set_column(0, "id", pa.array([None, "p2", "p3", "p4", "p5"], pa.string())).append_column(
    "raw", pa.array([b"\xff\xfe", b"ok", b"", None, b"x"], pa.binary())
)
pq.write_table(snappy, "fixtures/parquet/web-snappy.parquet", compression="snappy")
print(pq.ParquetFile("fixtures/parquet/web-zstd.parquet").metadata)
