/**
 * `pii` (map): replaces e-mail addresses, IPv4/IPv6 addresses, phone numbers, payment card numbers
 * (Luhn-checked) and IBANs with typed placeholders (`<EMAIL>`, `<PHONE>`…). Counts each kind in
 * stats (occurrences, and documents with at least one), and optionally writes the counts per
 * document into a metadata field. Never drops a document, never records the personal data.
 * Detection rules: core/text/pii.ts.
 */
import { z } from "zod";
import { PII_KINDS, type PiiKind, findPii, redact } from "../core/text/pii.js";
import type { Doc } from "../core/doc.js";
import type { StageContext } from "../core/stage.js";
import { defineStage } from "./define.js";

const DEFAULT_PLACEHOLDERS: Record<PiiKind, string> = {
  email: "<EMAIL>",
  ipv4: "<IP_ADDRESS>",
  ipv6: "<IP_ADDRESS>",
  phone: "<PHONE>",
  card: "<CREDIT_CARD>",
  iban: "<IBAN>",
};

const Options = z.strictObject({
  kinds: z.array(z.enum(PII_KINDS)).min(1).default([...PII_KINDS]).describe("Kinds of personal data to replace: email, ipv4, ipv6, phone, card, iban"),
  placeholders: z
    .strictObject(Object.fromEntries(PII_KINDS.map((k) => [k, z.string().optional()])) as Record<PiiKind, z.ZodOptional<z.ZodString>>)
    .default({})
    .describe("Replacement text per kind; defaults: `<EMAIL>`, `<IP_ADDRESS>`, `<PHONE>`, `<CREDIT_CARD>`, `<IBAN>`"),
  nonPublicIps: z
    .boolean()
    .default(false)
    .describe("Also replace private (10/8, 172.16/12, 192.168/16, fc00::/7), loopback, link-local and multicast addresses, which identify no one; documentation ranges count as public"),
  metaField: z.string().min(1).nullable().default(null).describe("When set, write the counts per kind found in the document to this metadata field (e.g. `pii`); null: stats only"),
});

export const pii = defineStage({
  use: "pii",
  kind: "map",
  summary: "Replace e-mails, IPs, phone numbers, Luhn-valid card numbers and IBANs with typed placeholders",
  options: Options,
  codes: [],
  create: (o) => {
    const kinds = new Set<PiiKind>(o.kinds);
    const findOptions = { nonPublicIps: o.nonPublicIps };
    const placeholders = { ...DEFAULT_PLACEHOLDERS };
    for (const k of PII_KINDS) {
      const p = o.placeholders[k];
      if (p !== undefined) placeholders[k] = p;
    }
    const apply = (doc: Doc, ctx: StageContext): Doc => {
      const spans = findPii(doc.text, kinds, findOptions);
      if (spans.length === 0) return doc;
      const perDoc: Partial<Record<PiiKind, number>> = {};
      for (const s of spans) perDoc[s.kind] = (perDoc[s.kind] ?? 0) + 1;
      const counts: Record<string, number> = {};
      for (const k of PII_KINDS) {
        const n = perDoc[k];
        if (n === undefined) continue;
        counts[k] = n;
        ctx.count(k, n);
        ctx.count(`docs/${k}`);
      }
      ctx.count("changed");
      const text = redact(doc.text, spans, placeholders);
      return { id: doc.id, text, meta: o.metaField === null ? doc.meta : { ...doc.meta, [o.metaField]: counts }, source: doc.source };
    };
    return {
      async *run(docs, ctx) {
        for await (const doc of docs) {
          let out: Doc;
          try {
            out = apply(doc, ctx);
          } catch (cause) {
            ctx.error(doc, cause);
            continue;
          }
          yield out;
        }
      },
    };
  },
});
