/**
 * Text and URL normalization for deduplication keys. Every step is optional so a pipeline can say
 * exactly what "the same text" means; all regexes are single character classes (linear time).
 */

/** What is ignored when comparing texts. */
export interface KeyNormalization {
  /** Unicode normalization form applied first; NFKC also folds full-width and compatibility forms. */
  readonly unicode: "NFC" | "NFKC" | null;
  /** Compare case-insensitively (Unicode lowercase). */
  readonly lowercase: boolean;
  /** Treat every run of whitespace as one space, and ignore leading and trailing whitespace. */
  readonly whitespace: boolean;
  /** Ignore punctuation (Unicode category P). */
  readonly punctuation: boolean;
  /** Treat every decimal digit as `0` (so dates, prices and counters do not make texts differ). */
  readonly digits: boolean;
  /** Ignore combining diacritical marks U+0300–U+036F (é = e); other scripts' marks are kept. */
  readonly accents: boolean;
}

const DIACRITICS = /[\u0300-\u036f]/g;
const PUNCTUATION = /\p{P}+/gu;
const DIGITS = /\p{Nd}/gu;
// only runs of 2+ whitespace and single non-space whitespace need replacing (a match per word is 3× slower)
const SPACES = /\s{2,}|[^\S ]/g;
const NON_ASCII = /[^\x00-\x7f]/;

/** Returns the text as compared by exact deduplication under `options`. */
export function normalizeForKey(text: string, options: KeyNormalization): string {
  let out = text;
  const ascii = !NON_ASCII.test(out);
  if (!ascii) {
    if (options.accents) out = out.normalize(options.unicode === "NFKC" ? "NFKD" : "NFD").replace(DIACRITICS, "").normalize("NFC");
    else if (options.unicode !== null) out = out.normalize(options.unicode);
  }
  if (options.lowercase) out = out.toLowerCase();
  if (options.punctuation) out = out.replace(PUNCTUATION, options.whitespace ? " " : "");
  if (options.digits) out = ascii ? out.replace(/[0-9]/g, "0") : out.replace(DIGITS, "0");
  if (options.whitespace) out = out.replace(SPACES, " ").trim();
  return out;
}

/** Query parameters that only track where a visitor came from; they never change the page. */
const TRACKING = /^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|yclid|igshid|ref_src)$/i;

/**
 * A URL reduced to what identifies the page: scheme `http` and `https` are the same, host is
 * lowercased without `www.` and default ports, the fragment and tracking parameters are dropped,
 * the other parameters are sorted, and a trailing slash is removed. Strings that do not parse as
 * URLs are compared trimmed and lowercased.
 */
export function canonicalUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return raw.trim().toLowerCase();
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return url.href;
  const host = url.hostname.toLowerCase().replace(/^www\./, "");
  const port = url.port === "" || url.port === "80" || url.port === "443" ? "" : `:${url.port}`;
  const params = [...url.searchParams].filter(([k]) => !TRACKING.test(k)).sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const query = params.length > 0 ? `?${new URLSearchParams(params).toString()}` : "";
  let path = url.pathname;
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return `${host}${port}${path}${query}`;
}
