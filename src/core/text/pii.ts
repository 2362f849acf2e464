/**
 * Finds personal data in text: e-mail addresses, IPv4 and IPv6 addresses, phone numbers
 * (international `+CC`/`00CC` numbers, North American numbers, and national numbers with a trunk
 * `0`), payment card numbers (issuer prefix and Luhn check) and IBANs (country length, BBAN
 * format and ISO 7064 mod-97 check, via `ibantools`).
 *
 * No regular expression runs over the text: a hand-written scanner visits each character once,
 * and every candidate is parsed in a window of bounded length (at most ~64 characters around an
 * `@`, 45 around a `:`, 40 from a digit), so the time is linear in the text whatever it holds.
 *
 * Precision first: numbers must stand alone (not glued to letters or inside a longer number), and
 * the usual look-alikes are rejected by construction: version numbers (`1.2.3.4`, `v2.10.0`),
 * dates (`2024-01-05`, `05/01/2024`), ISBNs, prices, order numbers (`#2024-0105-7731`), card-like
 * numbers that fail Luhn or have no issuer prefix, and columns of numbers separated by commas.
 */
import { countrySpecs, isValidIBAN } from "ibantools";

export const PII_KINDS = ["email", "ipv4", "ipv6", "phone", "card", "iban"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** A found item: kind and UTF-16 offsets (end exclusive). */
export interface PiiSpan {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isAsciiAlnum = (c: number): boolean => isDigit(c) || isUpper(c) || (c >= 0x61 && c <= 0x7a);
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
/** Letters, digits and `_` of any script (a number glued to one is part of a word, not PII). */
const isWordChar = (c: number): boolean => isAsciiAlnum(c) || c === 0x5f || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && !(c >= 0x2000 && c <= 0x2bff) && !(c >= 0x3000 && c <= 0x303f) && !(c >= 0xd800 && c <= 0xdfff) && !(c >= 0xfe30 && c <= 0xfe4f) && !(c >= 0xff00 && c <= 0xff0f));

// ---------------------------------------------------------------- e-mail

const isLocalChar = (c: number): boolean => isAsciiAlnum(c) || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d; // . _ % + -
const isDomainChar = (c: number): boolean => isAsciiAlnum(c) || c === 0x2e || c === 0x2d;

const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

function emailAt(text: string, at: number): [number, number] | undefined {
  let s = at;
  while (s > 0 && at - s < 64 && isLocalChar(text.charCodeAt(s - 1))) s--;
  if (s > 0 && isLocalChar(text.charCodeAt(s - 1))) return undefined; // local part longer than 64
  while (s < at && text.charCodeAt(s) === 0x2e) s++; // no leading dot
  if (s === at || text.charCodeAt(at - 1) === 0x2e) return undefined;
  let e = at + 1;
  while (e < text.length && e - at <= 255 && isDomainChar(text.charCodeAt(e))) e++;
  while (e > at + 1 && (text.charCodeAt(e - 1) === 0x2e || text.charCodeAt(e - 1) === 0x2d)) e--; // sentence end
  // labels of 1–63 characters, no hyphen at either end, at least two; the last alphabetic (2–24) or IDN (xn--)
  let labels = 0;
  let labelStart = at + 1;
  for (let k = at + 1; k <= e; k++) {
    if (k < e && text.charCodeAt(k) !== 0x2e) continue;
    const len = k - labelStart;
    if (len === 0 || len > 63 || text.charCodeAt(labelStart) === 0x2d || text.charCodeAt(k - 1) === 0x2d) return undefined;
    labels++;
    if (k === e) {
      if (labels < 2) return undefined;
      const idn = len > 4 && text.startsWith("xn--", labelStart);
      if (!idn) {
        if (len < 2 || len > 24) return undefined;
        for (let q = labelStart; q < k; q++) if (!isLetter(text.charCodeAt(q))) return undefined;
      }
    }
    labelStart = k + 1;
  }
  if (s > 0 && isWordChar(text.charCodeAt(s - 1))) return undefined; // glued to a non-ASCII letter
  return [s, e];
}

// ---------------------------------------------------------------- IPv4 / IPv6

/**
 * Whether an IPv4 address identifies no one: private (RFC 1918), shared (RFC 6598), loopback,
 * link-local, "this network", multicast and reserved (which includes netmasks like 255.255.255.0).
 * Such addresses are reused by millions of networks; documentation ranges (192.0.2.0/24 …) are not
 * in this set, since text uses them in place of public addresses.
 */
export function isNonPublicIpv4(o: readonly number[]): boolean {
  const [a, b] = o as [number, number];
  return a === 0 || a === 10 || a === 127 || a >= 224 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** Dotted quad at `i`: 4 decimal octets ≤ 255 without leading zeros. Returns the end or -1. */
function ipv4At(text: string, i: number, nonPublic: boolean): number {
  let p = i;
  const octets: number[] = [];
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(p) !== 0x2e) return -1;
      p++;
    }
    const s = p;
    while (p < text.length && p - s < 4 && isDigit(text.charCodeAt(p))) p++;
    const len = p - s;
    if (len === 0 || len > 3 || (len > 1 && text.charCodeAt(s) === 0x30)) return -1;
    const v = Number(text.slice(s, p));
    if (v > 255) return -1;
    octets.push(v);
  }
  // a fifth dotted number, or a word glued on: not an address
  if (p < text.length && (isWordChar(text.charCodeAt(p)) || (text.charCodeAt(p) === 0x2e && isDigit(text.charCodeAt(p + 1))))) return -1;
  // 1.2.3.4, 8.8.4.4, 12.1.1.12: versions, public resolvers and section numbers, not anyone's address
  const [a, b, c, d] = octets as [number, number, number, number];
  if (b < 10 && c < 10 && (d < 10 || a < 32)) return -1;
  if (!nonPublic && isNonPublicIpv4(octets)) return -1;
  return p;
}

/** Parses an IPv6 address (RFC 4291 text forms, optional trailing dotted IPv4). */
export function isIpv6(candidate: string): boolean {
  if (candidate.length < 3 || candidate.length > 45) return false;
  const double = candidate.indexOf("::");
  if (double !== -1 && candidate.indexOf("::", double + 1) !== -1) return false;
  const parts = double === -1 ? [candidate] : [candidate.slice(0, double), candidate.slice(double + 2)];
  let groups = 0;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k] as string;
    if (part === "") continue;
    const fields = part.split(":");
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f] as string;
      const last = k === parts.length - 1 && f === fields.length - 1;
      if (last && field.includes(".")) {
        const end = ipv4Strict(field);
        if (!end) return false;
        groups += 2;
        continue;
      }
      if (!/^[0-9a-f]{1,4}$/i.test(field)) return false;
      groups++;
    }
  }
  if (double === -1 ? groups !== 8 : groups > 7 || groups < 2) return false;
  return /[0-9]/.test(candidate);
}

/** Loopback, unspecified, link-local (fe80::/10), unique-local (fc00::/7) and multicast (ff00::/8) IPv6 addresses. */
export function isNonPublicIpv6(address: string): boolean {
  const a = address.toLowerCase();
  if (a === "::1" || a === "::") return true;
  if (a.startsWith("::ffff:")) {
    const v4 = a.slice(7);
    return ipv4Strict(v4) && isNonPublicIpv4(v4.split(".").map(Number));
  }
  const first = a.startsWith("::") ? 0 : Number.parseInt(a.split(":")[0] as string, 16);
  return (first & 0xffc0) === 0xfe80 || (first & 0xfe00) === 0xfc00 || (first & 0xff00) === 0xff00;
}

function ipv4Strict(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^(?:0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

const isV6Char = (c: number): boolean => isHex(c) || c === 0x3a || c === 0x2e;

/**
 * The run of hex digits, colons and dots around the colon at `colon` (not reaching before `from`),
 * and whether it is an IPv6 address standing alone. The caller continues after the run, so each
 * character is read a bounded number of times.
 */
function ipv6Around(text: string, colon: number, from: number, nonPublic: boolean): { start: number; end: number; ok: boolean } {
  let s = colon;
  while (s > from && isV6Char(text.charCodeAt(s - 1))) s--;
  let e = colon + 1;
  while (e < text.length && isV6Char(text.charCodeAt(e))) e++;
  const runEnd = e;
  while (e > colon + 1 && text.charCodeAt(e - 1) === 0x2e) e--; // sentence end
  const ok =
    e - s <= 45 &&
    !(s > 0 && (isWordChar(text.charCodeAt(s - 1)) || isV6Char(text.charCodeAt(s - 1)))) &&
    !(e < text.length && isWordChar(text.charCodeAt(e))) &&
    isIpv6(text.slice(s, e)) &&
    (nonPublic || !isNonPublicIpv6(text.slice(s, e)));
  return { start: s, end: ok ? e : runEnd, ok };
}

// ---------------------------------------------------------------- cards

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 0x30;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Whether the number has the issuer prefix and length of a card network (ISO/IEC 7812 IIN ranges
 * in use, with each network's card lengths): Visa, Mastercard, American Express, Diners Club,
 * JCB, Discover, UnionPay, Maestro, Mir, RuPay.
 */
export function hasIssuerPrefix(digits: string): boolean {
  const n = digits.length;
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  switch (digits.charCodeAt(0) - 0x30) {
    case 2:
      if (four >= 2221 && four <= 2720) return n === 16; // Mastercard 2-series
      return four >= 2200 && four <= 2204 && n >= 16; // Mir
    case 3:
      if (two === 34 || two === 37) return n === 15; // American Express
      if (two === 36) return n === 14; // Diners Club International
      if ((three >= 300 && three <= 305) || two === 38 || two === 39) return n >= 14 && n <= 16; // Diners Club
      return four >= 3528 && four <= 3589 && n >= 16; // JCB
    case 4:
      return n === 13 || n === 16 || n === 19; // Visa
    case 5:
      if (two >= 51 && two <= 55) return n === 16; // Mastercard
      return two === 50 || (two >= 56 && two <= 58); // Maestro (12–19)
    case 6:
      return n >= 16; // Discover, UnionPay, RuPay, Maestro
    default:
      return false;
  }
}

/** Digit groups starting at `i`, split by one separator (space or hyphen) of a single kind. */
function digitGroups(text: string, i: number, maxGroups: number, seps: string): { ends: number[]; lengths: number[]; sep: number } {
  const ends: number[] = [];
  const lengths: number[] = [];
  let sep = -1;
  let p = i;
  while (ends.length < maxGroups) {
    const s = p;
    while (p < text.length && p - s < 20 && isDigit(text.charCodeAt(p))) p++;
    if (p === s) break;
    ends.push(p);
    lengths.push(p - s);
    const c = text.charCodeAt(p);
    if (!seps.includes(String.fromCharCode(c)) || (sep !== -1 && c !== sep) || !isDigit(text.charCodeAt(p + 1))) break;
    sep = c;
    p++;
  }
  return { ends, lengths, sep };
}

function cardAt(text: string, i: number): number {
  const { ends, lengths } = digitGroups(text, i, 6, " -");
  for (let k = ends.length; k >= 1; k--) {
    const ls = lengths.slice(0, k);
    const total = ls.reduce((a, b) => a + b, 0);
    if (total < 13 || total > 19) continue;
    // layouts: one run, 4-4-4-4(-1..4), 4-6-5 (Amex), 4-6-4 (Diners)
    const ok = k === 1 || (ls[0] === 4 && (ls.slice(0, -1).every((l) => l === 4) || (k === 3 && ls[1] === 6)));
    if (!ok) continue;
    const end = ends[k - 1] as number;
    if (end < text.length && (isWordChar(text.charCodeAt(end)) || ((text.charCodeAt(end) === 0x2e || text.charCodeAt(end) === 0x2c) && isDigit(text.charCodeAt(end + 1))))) continue;
    const digits = text.slice(i, end).replace(/[ -]/g, "");
    if (hasIssuerPrefix(digits) && luhn(digits)) return end;
  }
  return -1;
}

// ---------------------------------------------------------------- phones

/** ITU-T E.164 country calling codes in service (prefix-free). */
const COUNTRY_CODES = new Set(
  (
    "1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 " +
    "211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 " +
    "260 261 262 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 380 381 382 383 385 386 387 389 " +
    "420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 " +
    "850 852 853 855 856 880 886 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 992 993 994 995 996 998"
  ).split(" "),
);

/** National significant number lengths of the most common countries (ITU-T national numbering plans); others: 6–12. */
const NSN_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
  "1": [10, 10], "7": [10, 10], "20": [8, 10], "27": [9, 9], "30": [10, 10], "31": [9, 9], "32": [8, 9], "33": [9, 9], "34": [9, 9],
  "36": [8, 9], "39": [6, 11], "40": [9, 9], "41": [9, 9], "43": [4, 13], "44": [9, 10], "45": [8, 8], "46": [7, 10], "47": [8, 8],
  "48": [9, 9], "49": [6, 13], "51": [8, 9], "52": [10, 10], "54": [10, 11], "55": [10, 11], "56": [9, 9], "57": [8, 10], "60": [8, 10],
  "61": [9, 9], "62": [8, 12], "63": [8, 10], "64": [8, 10], "65": [8, 8], "66": [8, 9], "81": [9, 10], "82": [8, 10], "84": [9, 10],
  "86": [10, 11], "90": [10, 10], "91": [10, 10], "92": [9, 10], "98": [10, 10],
};

function countryCode(digits: string): string | undefined {
  for (let n = 1; n <= 3; n++) if (COUNTRY_CODES.has(digits.slice(0, n))) return digits.slice(0, n);
  return undefined;
}

interface PhoneToken {
  /** Offset after the token. */
  readonly end: number;
  readonly digits: string;
  /** The separator before this token (0 for the first, 0x28 for a parenthesised group). */
  readonly sep: number;
  readonly paren: boolean;
}

/** Phone-number tokens from `i`: digit groups, `(digits)` groups, one separator (space - . /) between. */
function phoneTokens(text: string, i: number): PhoneToken[] {
  const tokens: PhoneToken[] = [];
  let p = i;
  let sep = 0;
  while (tokens.length < 8 && p - i < 40) {
    const c = text.charCodeAt(p);
    if (c === 0x28) {
      const s = p + 1;
      let q = s;
      while (q < text.length && q - s < 5 && isDigit(text.charCodeAt(q))) q++;
      if (q === s || text.charCodeAt(q) !== 0x29) break;
      tokens.push({ end: q + 1, digits: text.slice(s, q), sep, paren: true });
      p = q + 1;
    } else if (isDigit(c)) {
      const s = p;
      while (p < text.length && p - s < 15 && isDigit(text.charCodeAt(p))) p++;
      tokens.push({ end: p, digits: text.slice(s, p), sep, paren: false });
    } else break;
    const n = text.charCodeAt(p);
    const next = text.charCodeAt(p + 1);
    if ((n === 0x20 || n === 0x2d || n === 0x2e || n === 0x2f) && (isDigit(next) || next === 0x28)) {
      sep = n;
      p++;
    } else if (tokens[tokens.length - 1]?.paren && (isDigit(n) || n === 0x28)) sep = 0x20; // "(0)20", "(202)555"
    else break;
  }
  return tokens;
}

/** The token lists's end is a clean number end: not glued to a letter or continued by `,digit`/`.digit`. */
function cleanEnd(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const c = text.charCodeAt(end);
  if (isWordChar(c)) return false;
  if ((c === 0x2c || c === 0x2e || c === 0x2d || c === 0x2f) && isDigit(text.charCodeAt(end + 1))) return false;
  if ((c === 0x2e || c === 0x2f) && isWordChar(text.charCodeAt(end + 1))) return false; // file name or path: 06120000.xhp
  return true;
}

function phoneAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  // international: +CC or 00CC
  if (c === 0x2b || (c === 0x30 && text.charCodeAt(i + 1) === 0x30 && isDigit(text.charCodeAt(i + 2)))) {
    const start = c === 0x2b ? i + 1 : i + 2;
    if (!isDigit(text.charCodeAt(start))) return -1;
    const tokens = phoneTokens(text, start);
    for (let k = tokens.length; k >= 1; k--) {
      const used = tokens.slice(0, k);
      // "(0)" is the trunk prefix written inside an international number: not dialled
      const digits = used.filter((t, j) => !(t.paren && t.digits === "0" && j > 0)).map((t) => t.digits).join("");
      const cc = countryCode(digits);
      if (cc === undefined || (used[0] as PhoneToken).digits.length < cc.length) continue;
      const [min, max] = NSN_LENGTHS[cc] ?? [6, 12];
      const nsn = digits.length - cc.length;
      if (nsn < min || nsn > max || digits.length > 15) continue;
      if (k === 1 && digits.length < 8) continue;
      const end = (used[k - 1] as PhoneToken).end;
      if (cleanEnd(text, end)) return end;
    }
    return -1;
  }
  const tokens = phoneTokens(text, i);
  if (tokens.length < 2) return -1;
  const t0 = tokens[0] as PhoneToken;
  // North American: (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, NXX NXX XXXX
  if (tokens.length >= 3) {
    const [a, b, d] = tokens as [PhoneToken, PhoneToken, PhoneToken];
    const sameSep = a.paren || b.sep === d.sep;
    if (a.digits.length === 3 && b.digits.length === 3 && d.digits.length === 4 && !b.paren && !d.paren && sameSep && d.sep !== 0x2f) {
      if (/^[2-9]\d\d$/.test(a.digits) && /^[2-9]\d\d$/.test(b.digits) && cleanEnd(text, d.end) && !(tokens.length > 3 && (tokens[3] as PhoneToken).sep === d.sep && d.sep !== 0x20)) return d.end;
    }
  }
  // national with a trunk 0: 020 7946 0958, 06 39 98 56 78, 0152 28817386, (030) 23125 478
  if (t0.digits.length >= 2 && t0.digits.length <= 5 && t0.digits.charCodeAt(0) === 0x30 && t0.digits.charCodeAt(1) !== 0x30) {
    let sep = -1;
    let digits = t0.digits.length;
    let best = -1;
    for (let k = 1; k < tokens.length; k++) {
      const t = tokens[k] as PhoneToken;
      if (t.paren || t.digits.length < 2) break;
      const s = k === 1 && t0.paren ? sep : t.sep;
      if (sep === -1) sep = s;
      else if (s !== sep) break;
      digits += t.digits.length;
      if (digits > 12) break;
      if (digits >= 9 && cleanEnd(text, t.end)) best = t.end;
    }
    // a US ZIP+4 code (02111-1307) is not a phone number
    if (best !== -1 && sep === 0x2d && tokens.length >= 2 && t0.digits.length === 5 && (tokens[1] as PhoneToken).digits.length === 4 && best === (tokens[1] as PhoneToken).end) return -1;
    if (best !== -1 && sep !== 0x2f && sep !== 0x2e) return best;
    if (best !== -1) {
      // dots and slashes also write dates: require every group to be at least 2 digits and no 4-digit group after two 2-digit ones
      const groups = tokens.filter((t) => t.end <= best).map((t) => t.digits.length);
      if (!(groups.length >= 3 && groups[0] === 2 && groups[1] === 2 && groups[2] === 4)) return best;
    }
  }
  return -1;
}

// ---------------------------------------------------------------- IBAN

/** IBAN length by country code, indexed by (first letter - A) * 26 + (second letter - A); 0 where none. */
const IBAN_LENGTHS = new Uint8Array(26 * 26);
for (const [cc, spec] of Object.entries(countrySpecs as Record<string, { chars?: number }>)) {
  if (spec.chars && /^[A-Z]{2}$/.test(cc)) IBAN_LENGTHS[(cc.charCodeAt(0) - 0x41) * 26 + (cc.charCodeAt(1) - 0x41)] = spec.chars;
}

const ibanBuffer = new Uint16Array(34);

/** ISO 7064 mod 97-10 of the first `n` characters of `ibanBuffer` in electronic order (country code and check digits moved to the end). */
function ibanMod97(n: number): number {
  let r = 0;
  for (let k = 0; k < n; k++) {
    const ch = ibanBuffer[(k + 4) % n] as number;
    r = ch <= 0x39 ? (r * 10 + (ch - 0x30)) % 97 : (r * 100 + (ch - 0x41 + 10)) % 97;
  }
  return r;
}

function ibanAt(text: string, i: number): number {
  // CC + 2 check digits, then letters/digits, compact or in groups split by single spaces, up to the country's length
  if (!isUpper(text.charCodeAt(i + 1)) || !isDigit(text.charCodeAt(i + 2)) || !isDigit(text.charCodeAt(i + 3))) return -1;
  const length = IBAN_LENGTHS[(text.charCodeAt(i) - 0x41) * 26 + (text.charCodeAt(i + 1) - 0x41)] as number;
  if (length === 0) return -1;
  let n = 0;
  let p = i;
  while (n < length && p < text.length) {
    const c = text.charCodeAt(p);
    if (isDigit(c) || isUpper(c)) {
      ibanBuffer[n++] = c;
      p++;
    } else if (c === 0x20 && p > i && (isDigit(text.charCodeAt(p + 1)) || isUpper(text.charCodeAt(p + 1))) && text.charCodeAt(p - 1) !== 0x20) p++;
    else break;
  }
  if (n !== length) return -1;
  if (p < text.length && isWordChar(text.charCodeAt(p))) return -1;
  if (ibanMod97(n) !== 1) return -1;
  return isValidIBAN(String.fromCharCode(...ibanBuffer.subarray(0, n))) ? p : -1;
}

// ---------------------------------------------------------------- scanner

/** A national number may open with an area code in parentheses: 2–5 digits, e.g. "(030)", "(202)". */
function parenArea(text: string, i: number): boolean {
  let q = i + 1;
  while (q < text.length && q - i <= 6 && isDigit(text.charCodeAt(q))) q++;
  const n = q - i - 1;
  return n >= 2 && n <= 5 && text.charCodeAt(q) === 0x29;
}

/** Whether a number may start at `i`: not glued to a word, not the tail of a longer number (`1.5`, `2024-01`, `#12`). */
function numberStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const p = text.charCodeAt(i - 1);
  if (isWordChar(p) || p === 0x23 || p === 0x2b || p === 0x24 || p === 0xa3 || p === 0x20ac || p === 0xa5 || p === 0x2f || p === 0x5c) return false; // # + $ £ € ¥, path / \\
  if ((p === 0x2e || p === 0x2c || p === 0x2d || p === 0x2f || p === 0x3a) && i >= 2 && isDigit(text.charCodeAt(i - 2))) return false;
  if (p === 0x3a && i >= 2 && (isHex(text.charCodeAt(i - 2)) || text.charCodeAt(i - 2) === 0x3a)) return false; // inside an IPv6 address
  // a digit group right after another one ("3704 0044 …", "1 2 3"): only the first group of a run starts a number
  if (p === 0x20 && i >= 2 && isDigit(text.charCodeAt(i - 2)) && isDigit(text.charCodeAt(i))) return false;
  return true;
}

export interface FindOptions {
  /** Also report private, loopback, link-local and multicast IP addresses (default: only addresses that can identify someone). */
  readonly nonPublicIps?: boolean;
}

/** Every PII item of the wanted kinds, sorted and non-overlapping. */
export function findPii(text: string, kinds: ReadonlySet<PiiKind> = new Set(PII_KINDS), options: FindOptions = {}): PiiSpan[] {
  const nonPublic = options.nonPublicIps ?? false;
  const spans: PiiSpan[] = [];
  const taken: [number, number][] = [];
  if (kinds.has("email")) {
    let from = 0;
    for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", from)) {
      const found = emailAt(text, at);
      if (found) {
        spans.push({ kind: "email", start: found[0], end: found[1] });
        taken.push(found);
        from = found[1];
      } else from = at + 1;
    }
  }
  let t = 0; // next e-mail span to skip over
  const skipTaken = (i: number): number => {
    while (t < taken.length && (taken[t] as [number, number])[1] <= i) t++;
    return t < taken.length && (taken[t] as [number, number])[0] <= i ? (taken[t] as [number, number])[1] : i;
  };
  const wantCard = kinds.has("card");
  const wantIpv4 = kinds.has("ipv4");
  const wantPhone = kinds.has("phone");
  const wantIban = kinds.has("iban");
  const wantDigits = wantCard || wantIpv4 || wantPhone;
  // candidate starts, found by V8's native scanner: a digit, `+` or `(`; `test` (not `exec`)
  // allocates nothing. An IBAN's `CCdd` is found from its first digit: the leftmost `CCdd` at or
  // after `from` must have its first digit at the first candidate, so when the two characters
  // before that digit (both at or after `from`) are capitals and the next is a digit, the IBAN
  // candidate starts two characters earlier (the same leftmost match as scanning for
  // /[0-9+(]|[A-Z]{2}[0-9]{2}/; that alternation made pii 1.8× slower on the sample's pages)
  const candidates = /[0-9+(]/g;
  for (let from = 0; candidates.test(text); from = candidates.lastIndex) {
    let i = candidates.lastIndex - 1;
    if (wantIban && i - 2 >= from && isDigit(text.charCodeAt(i)) && isDigit(text.charCodeAt(i + 1)) && isUpper(text.charCodeAt(i - 1)) && isUpper(text.charCodeAt(i - 2))) i -= 2;
    const j = skipTaken(i);
    if (j !== i) {
      candidates.lastIndex = j;
      continue;
    }
    const c = text.charCodeAt(i);
    let end = -1;
    let kind: PiiKind = "phone";
    if (isUpper(c)) {
      if (numberStart(text, i)) {
        end = ibanAt(text, i);
        kind = "iban";
      }
    } else if (wantDigits && numberStart(text, i)) {
      if (isDigit(c)) {
        let run = i;
        while (run < text.length && run - i < 20 && isDigit(text.charCodeAt(run))) run++;
        const len = run - i;
        const next = text.charCodeAt(run);
        if (wantCard && (len >= 13 || (len === 4 && (next === 0x20 || next === 0x2d)))) {
          end = cardAt(text, i);
          kind = "card";
        }
        if (end === -1 && wantIpv4 && len <= 3 && next === 0x2e) {
          end = ipv4At(text, i, nonPublic);
          kind = "ipv4";
        }
        const d1 = c - 0x30;
        if (end === -1 && wantPhone && ((d1 === 0 && len >= 2) || (len === 3 && d1 >= 2))) {
          end = phoneAt(text, i);
          kind = "phone";
        }
      } else if (wantPhone && (c === 0x2b ? isDigit(text.charCodeAt(i + 1)) : parenArea(text, i))) {
        end = phoneAt(text, i);
        kind = "phone";
      }
    }
    if (end !== -1) {
      spans.push({ kind, start: i, end });
      candidates.lastIndex = end;
    } else if (c === 0x2b || c === 0x28) candidates.lastIndex = i + 1;
    else {
      // skip the rest of this number or word: a match cannot start inside it
      while (i + 1 < text.length && isAsciiAlnum(text.charCodeAt(i + 1))) i++;
      candidates.lastIndex = i + 1;
    }
  }
  spans.sort((a, b) => a.start - b.start);
  if (kinds.has("ipv6") && text.includes(":")) {
    const v6: PiiSpan[] = [];
    let from = 0;
    for (let colon = text.indexOf(":"); colon !== -1; colon = text.indexOf(":", from)) {
      const run = ipv6Around(text, colon, from, nonPublic);
      if (run.ok && !overlaps(spans, run.start, run.end)) v6.push({ kind: "ipv6", start: run.start, end: run.end });
      from = Math.max(run.end, colon + 1);
    }
    if (v6.length > 0) {
      spans.push(...v6);
      spans.sort((a, b) => a.start - b.start);
    }
  }
  return spans;
}

/** Whether [start, end) overlaps a span of the sorted, non-overlapping `spans` (binary search). */
function overlaps(spans: readonly PiiSpan[], start: number, end: number): boolean {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((spans[mid] as PiiSpan).end <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo < spans.length && (spans[lo] as PiiSpan).start < end;
}

/** Replaces each span with its kind's placeholder. */
export function redact(text: string, spans: readonly PiiSpan[], placeholders: Readonly<Record<PiiKind, string>>): string {
  if (spans.length === 0) return text;
  let out = "";
  let last = 0;
  for (const s of spans) {
    out += text.slice(last, s.start) + placeholders[s.kind];
    last = s.end;
  }
  return out + text.slice(last);
}
