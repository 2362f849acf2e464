import { describe, expect, it } from "vitest";
import { findPii, hasIssuerPrefix, isIpv6, luhn, redact } from "../../src/core/text/pii.js";

const found = (text: string) => findPii(text).map((s) => [s.kind, text.slice(s.start, s.end)]);

/** Each positive, written inside a sentence, must be found exactly (kind and extent). */
const POSITIVES: [string, string][] = [
  ["email", "info@harborlane-books.example"],
  ["email", "m.okafor@example.org"],
  ["email", "first.last+tag@mail.example.co.uk"],
  ["email", "x_y-z%1@sub-domain.example.com"],
  ["ipv4", "192.0.2.17"],
  ["ipv4", "203.0.113.254"],
  ["ipv4", "81.2.69.160"],
  ["ipv6", "2001:db8::ff00:42:8329"],
  ["ipv6", "2001:0db8:0000:0000:0000:ff00:0042:8329"],
  ["ipv6", "2a00:1450:4001:81b::200e"],
  ["ipv6", "::ffff:192.0.2.128"],
  ["phone", "+44 20 7946 0958"],
  ["phone", "+1 202-555-0143"],
  ["phone", "+1 (202) 555-0188"],
  ["phone", "+49 30 23125 478"],
  ["phone", "+33 1 99 00 42 17"],
  ["phone", "+61 2 5550 1234"],
  ["phone", "+1 613 555 0199"],
  ["phone", "+33 6 39 98 12 34"],
  ["phone", "+44 (0)20 7946 0123"],
  ["phone", "+4930231254780"],
  ["phone", "0044 20 7946 0958"],
  ["phone", "(202) 555-0188"],
  ["phone", "202-555-0143"],
  ["phone", "202.555.0143"],
  ["phone", "020 7946 0958"],
  ["phone", "06 39 98 56 78"],
  ["phone", "06.39.98.56.78"],
  ["phone", "0152 28817386"],
  ["phone", "030 23125 478"],
  ["phone", "030/23125478"],
  ["card", "4111 1111 1111 1111"],
  ["card", "4111111111111111"],
  ["card", "5555-5555-5555-4444"],
  ["card", "3782 822463 10005"],
  ["card", "6011 1111 1111 1117"],
  ["card", "3566002020360505"],
  ["iban", "DE89 3704 0044 0532 0130 00"],
  ["iban", "DE89370400440532013000"],
  ["iban", "FR76 3000 6000 0112 3456 7890 189"],
  ["iban", "GB82 WEST 1234 5698 7654 32"],
  ["iban", "NL91ABNA0417164300"],
];

/** Strings that look like PII but are not: none of them may be found. */
const NEGATIVES: string[] = [
  "version 1.2.3.4",
  "v1.2.3.4",
  "release 2.10.0",
  "Chrome 120.0.6099.109",
  "on 2024-01-05",
  "on 05/01/2024",
  "on 05.01.2024 at 14:30",
  "at 9:00–17:30",
  "ISBN 978-3-16-148410-0",
  "ISBN 978-0-306-40615-7",
  "ISBN 0-306-40615-7",
  "£12.99",
  "€1,299.00",
  "$1,299.99",
  "1 299,00 €",
  "450,00 €",
  "order #2024-0105-7731",
  "gift card serial 1234 5678 9012 3456",
  "card 4111 1111 1111 1112",
  "number 4111111111111112",
  "timestamp 1704412800000",
  "id 123e4567-e89b-12d3-a456-426614174000",
  "sha 3f9a2c1",
  "Room 2.14, ext. 4410",
  "expires 12/27",
  "56 cm, 45 m², Baujahr 2019",
  "12, 34, 56, 78, 90, 12, 34",
  "0.5, 0.25, 0.125, 0.0625",
  "1024,2048,4096,8192,16384",
  "std::vector<int>::iterator",
  "12:30:45",
  "MAC 00:1a:2b:3c:4d:5e",
  "a@b",
  "user@localhost",
  "@handle and email@",
  "DE89 3704 0044 0532 0130 01",
  "AB12 3456 7890 1234 5678",
  "123-456-7890",
  "pages 100-200",
  "8.8.8.8",
  "Section 12.1.2.1",
  "see Section 12.1.1.12, “Operating systems”",
  "Boston, MA 02111-1307, USA",
  "router 192.168.0.1, netmask 255.255.255.0, host 127.0.0.1, 10.0.0.1, 172.16.5.4",
  "fe80::1 and ::1 and fd12:3456:789a::1",
  "see /text/swriter/02/06120000.xhp",
  "C:\\data\\0207946095",
  "call 555-0143",
  "the years 1990 2000 2010 2020",
  "+1",
  "(1) (2) (3)",
];

describe("findPii: tables", () => {
  it.each(POSITIVES)("finds %s %s", (kind, value) => {
    expect(found(`Contact: ${value}, thanks.`)).toEqual([[kind, value]]);
    expect(found(value)).toEqual([[kind, value]]);
    expect(found(`(${value})`)).toEqual([[kind, value]]);
  });

  it.each(NEGATIVES)("ignores %j", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("findPii: details", () => {
  it("Luhn and issuer prefixes", () => {
    expect(luhn("4111111111111111")).toBe(true);
    expect(luhn("4111111111111112")).toBe(false);
    expect(luhn("1234567890123452")).toBe(true);
    expect(hasIssuerPrefix("1234567890123452")).toBe(false);
    expect(found("1234 5678 9012 3452")).toEqual([]); // passes Luhn, no issuer starts with 1
  });

  it("IPv6 forms", () => {
    expect(["::1:2", "1:2:3:4:5:6:7:8", "2001:db8::"].map(isIpv6)).toEqual([true, true, true]);
    expect(["1:2:3", "::", "1::2::3", "12345::1", "1:2:3:4:5:6:7:8:9", "dead::beef"].map(isIpv6)).toEqual([false, false, false, false, false, false]);
  });

  it("does not take a number glued to letters or inside a longer number", () => {
    expect(found("ref4111111111111111x")).toEqual([]);
    expect(found("192.0.2.17.5")).toEqual([]);
    expect(found("2001:db8::1x")).toEqual([]);
  });

  it("finds several items and keeps text between them", () => {
    const text = "Mail a.jensen@example.net or call +1 (202) 555-0188; card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, server 192.0.2.17.";
    const spans = findPii(text);
    expect(spans.map((s) => s.kind)).toEqual(["email", "phone", "card", "iban", "ipv4"]);
    expect(redact(text, spans, { email: "<EMAIL>", ipv4: "<IP>", ipv6: "<IP6>", phone: "<PHONE>", card: "<CARD>", iban: "<IBAN>" })).toBe(
      "Mail <EMAIL> or call <PHONE>; card <CARD>, IBAN <IBAN>, server <IP>.",
    );
  });

  it("an IBAN is found from its first digit, right after other candidates and where the scan resumes", () => {
    // the scan looks for digits, + and (; an IBAN's capitals are checked behind its first digit
    expect(found("(1) DE89370400440532013000")).toEqual([["iban", "DE89370400440532013000"]]);
    expect(found("12 GB82WEST12345698765432 3")).toEqual([["iban", "GB82WEST12345698765432"]]);
    expect(found("+44 20 7946 0958 DE89 3704 0044 0532 0130 00")).toEqual([
      ["phone", "+44 20 7946 0958"],
      ["iban", "DE89 3704 0044 0532 0130 00"],
    ]);
    // capitals glued to a longer word, or a single capital, do not start one
    expect(found("XDE89370400440532013000")).toEqual([]);
    expect(found("E89370400440532013000")).toEqual([]);
  });

  it("an e-mail's digits are not looked at again", () => {
    expect(found("j.doe.4111111111111111@example.com")).toEqual([["email", "j.doe.4111111111111111@example.com"]]);
  });

  it("a list of numbers: each starts after its separator", () => {
    expect(found("+44 20 7946 0958 +44 20 7946 0959")).toEqual([
      ["phone", "+44 20 7946 0958"],
      ["phone", "+44 20 7946 0959"],
    ]);
    expect(found("Tel. 030 23125 478, Fax 030 23125 479")).toEqual([
      ["phone", "030 23125 478"],
      ["phone", "030 23125 479"],
    ]);
  });

  it("private, loopback and link-local addresses only when asked", () => {
    const text = "gw 192.168.0.1 lo 127.0.0.53 ll fe80::1 ula fd12:3456:789a::1 mapped ::ffff:10.0.0.1";
    expect(findPii(text)).toEqual([]);
    expect(findPii(text, undefined, { nonPublicIps: true }).map((s) => text.slice(s.start, s.end))).toEqual(["192.168.0.1", "127.0.0.53", "fe80::1", "fd12:3456:789a::1", "::ffff:10.0.0.1"]);
  });

  it("only the kinds asked for", () => {
    expect(findPii("x@example.com 192.0.2.17", new Set(["ipv4"])).map((s) => s.kind)).toEqual(["ipv4"]);
  });
});
