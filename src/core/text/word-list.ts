/**
 * Finds the entries of a word list in text, case-insensitively, with one Aho–Corasick automaton
 * for the whole list. An entry whose first (last) character is a letter or digit of a spaced
 * script must not be glued to another such character there, so "ass" does not match
 * "assessment" nor "Sussex"; entries that start or end with a character of a script written
 * without spaces (Han, Kana, Thai…) match there as substrings, as C4 does for ja, zh and th.
 * Comparison ignores case: entries are lower-cased, and a text character matches when its
 * `toLowerCase()` is that one character (so "İ", whose lower case is two code units, does not
 * fold). Entries are NFC; run `normalize` first so the text is NFC too.
 */
import { AhoCorasick, WORD_END, WORD_START } from "./aho-corasick.js";
import { WORD_CLASSES, isWordAt } from "./scripts.js";

/** What a scan found. */
export interface ListHits {
  /** Occurrences of entries (overlapping entries each count: "hijo de puta" holds "puta" too). */
  readonly total: number;
  /** Separate matched spans of text: overlapping or touching occurrences merged ("hijo de puta" is one). */
  readonly spans: number;
  /** Code units of the text covered by occurrences (each counted once). */
  readonly chars: number;
  /** Occurrences per entry, in order of first occurrence. */
  readonly words: ReadonlyMap<string, number>;
}

/**
 * An entry as the automaton sees it: `WORD_START` before and `WORD_END` after every run of word
 * characters of spaced scripts, as `scanMarked` inserts them into the text. "ass" becomes
 * ⟨S⟩ass⟨E⟩ and only matches a whole word; "hijo de puta" needs three whole words; "卖b" needs a
 * boundary after the b only; "他妈的" and "🖕" carry no markers and match anywhere.
 */
export function markEntry(entry: string): string {
  let out = "";
  let inWord = false;
  for (let i = 0; i < entry.length; i++) {
    const c = entry.charCodeAt(i);
    const w: boolean = c >= 0xdc00 && c <= 0xdfff ? inWord : isWordAt(entry, i);
    if (w !== inWord) out += w ? WORD_START : WORD_END;
    inWord = w;
    out += entry[i];
  }
  return inWord ? out + WORD_END : out;
}

/** Normalises a list entry: trimmed, NFC, lower-cased, inner whitespace runs as one space. */
export function normalizeEntry(entry: string): string {
  return entry.trim().normalize("NFC").toLowerCase().replace(/\s+/g, " ");
}

export class WordListMatcher {
  /** The distinct normalised entries, as matched. */
  readonly entries: readonly string[];
  private readonly automaton: AhoCorasick;
  private readonly lengths: Int32Array;

  constructor(entries: Iterable<string>) {
    const unique = new Set<string>();
    for (const e of entries) {
      const n = normalizeEntry(e);
      if (n !== "") unique.add(n);
    }
    this.entries = [...unique];
    this.automaton = new AhoCorasick(this.entries.map(markEntry), { foldCase: true });
    this.lengths = Int32Array.from(this.entries, (e) => e.length);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The first entry found in `text` (by end offset), or undefined. */
  first(text: string): string | undefined {
    if (this.entries.length === 0) return undefined;
    let found: string | undefined;
    this.automaton.scanMarked(text, WORD_CLASSES, (p) => {
      found = this.entries[p];
      return false;
    });
    return found;
  }

  /** Every occurrence in `text`. */
  find(text: string): ListHits {
    const words = new Map<string, number>();
    let total = 0;
    if (this.entries.length === 0) return { total, spans: 0, chars: 0, words };
    let covered: Uint8Array | undefined;
    this.automaton.scanMarked(text, WORD_CLASSES, (p, end) => {
      const entry = this.entries[p] as string;
      words.set(entry, (words.get(entry) ?? 0) + 1);
      total++;
      (covered ??= new Uint8Array(text.length)).fill(1, end - (this.lengths[p] as number), end);
      return true;
    });
    let spans = 0;
    let chars = 0;
    if (covered !== undefined) {
      for (let i = 0; i < covered.length; i++) {
        if (covered[i] === 1) {
          chars++;
          if (i === 0 || covered[i - 1] === 0) spans++;
        }
      }
    }
    return { total, spans, chars, words };
  }
}
