/** Counters of one stage over one shard (or merged over all shards). */
export interface StageStats {
  readonly id: string;
  readonly use: string;
  readonly kind: string;
  seen: number;
  kept: number;
  /** Removed documents by reason code. */
  dropped: Record<string, number>;
  errored: number;
  /** Characters (UTF-16 code units) of the documents entering and leaving the stage. */
  charsIn: number;
  charsOut: number;
  /** Stage-specific counters, e.g. `changed`, `lang/en`. */
  counters: Record<string, number>;
  /** Removed documents by language tag (`meta.lang`) and reason, for documents that had one. */
  droppedByLang: Record<string, Record<string, number>>;
}

export function newStageStats(id: string, use: string, kind: string): StageStats {
  return { id, use, kind, seen: 0, kept: 0, dropped: {}, errored: 0, charsIn: 0, charsOut: 0, counters: {}, droppedByLang: {} };
}

/** Adds `n` to `record[key]`. */
export function bump(record: Record<string, number>, key: string, n = 1): void {
  record[key] = (record[key] ?? 0) + n;
}

/** Sum of removals over all reasons. */
export function totalDropped(stats: StageStats): number {
  let sum = 0;
  for (const key in stats.dropped) sum += stats.dropped[key] as number;
  return sum;
}

/** Conservation: every document a stage saw was kept, dropped with a reason, or errored. */
export function conservationError(stats: StageStats): string | undefined {
  const dropped = totalDropped(stats);
  if (stats.seen === stats.kept + dropped + stats.errored) return undefined;
  return `stage \`${stats.id}\`: seen ${stats.seen} ≠ kept ${stats.kept} + dropped ${dropped} + errored ${stats.errored}`;
}

/** Adds `from` into `into` (same stage). */
export function addStageStats(into: StageStats, from: StageStats): void {
  into.seen += from.seen;
  into.kept += from.kept;
  into.errored += from.errored;
  into.charsIn += from.charsIn;
  into.charsOut += from.charsOut;
  for (const [k, v] of Object.entries(from.dropped)) bump(into.dropped, k, v);
  for (const [k, v] of Object.entries(from.counters)) bump(into.counters, k, v);
  for (const [lang, reasons] of Object.entries(from.droppedByLang)) {
    const target = (into.droppedByLang[lang] ??= {});
    for (const [k, v] of Object.entries(reasons)) bump(target, k, v);
  }
}

/** A copy with every record's keys sorted, so stats files diff cleanly and never depend on arrival order. */
export function sortedStageStats(stats: StageStats): StageStats {
  const byLang: Record<string, Record<string, number>> = {};
  for (const lang of Object.keys(stats.droppedByLang).sort()) byLang[lang] = sortKeys(stats.droppedByLang[lang] as Record<string, number>);
  return { ...stats, dropped: sortKeys(stats.dropped), counters: sortKeys(stats.counters), droppedByLang: byLang };
}

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as T;
  return out;
}
