/**
 * `language-filter` (filter): keeps documents in the listed languages (or in any language) whose
 * score reaches that language's minimum. Reads the `language` stage's tags (`lang`, `lang_score`),
 * so it must come after a `language` stage. Codes:
 * - lang_not_allowed: the language is not listed (value: the language, threshold: the list);
 * - lang_undetermined: the document is `und` and `und` is not listed (value: `und`);
 * - lang_score_too_low: the score is below the language's minimum (value: score, threshold: min);
 * - lang_missing: the document has no language tag (no `language` stage before this one).
 * The ledger row carries the detected language (`lang`) and `lang_score` either way.
 *
 * Default minimum 0.65: datatrove's LanguageFilter `language_threshold` and FineWeb's English
 * filter (Penedo et al. 2024) keep lid.176 scores ≥ 0.65. CCNet (Wenzek et al. 2020) keeps every
 * language with a score ≥ 0.5: `languages: null, minScore: 0.5`.
 */
import { z } from "zod";
import { getField } from "../../core/doc.js";
import { UND, isDetectableCode, toLanguageCode } from "../../core/lang/codes.js";
import { StageOptionError } from "../../core/stage.js";
import { defineFilter, drop } from "../define.js";

const Score = z.number().min(0).max(1);

const Options = z.strictObject({
  languages: z
    .union([z.array(z.string().min(1)).min(1), z.record(z.string().min(1), Score.nullable())])
    .nullable()
    .describe("Languages to keep: a list (`[en, de]`, each with `minScore`), a map of language → its own minimum score (`{en: 0.65, de: 0.5}`, null: `minScore`), or null: every language. Listing `und` keeps undetermined documents"),
  minScore: Score.default(0.65).describe("Minimum `lang_score` for listed languages without their own; datatrove / FineWeb use 0.65 with lid.176"),
  field: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a metadata key (letters, digits, _)")
    .default("lang")
    .describe("Metadata key the `language` stage wrote (its score is `<field>_score`)"),
});

export const languageFilter = defineFilter({
  use: "language-filter",
  summary: "Keep documents in listed languages, each with a minimum score; the ledger records the detected language and score",
  options: Options,
  codes: ["lang_not_allowed", "lang_undetermined", "lang_score_too_low", "lang_missing"],
  create: (o) => {
    const entries: [string, number | null][] = o.languages === null ? [] : Array.isArray(o.languages) ? o.languages.map((l) => [l, null]) : Object.entries(o.languages);
    const minimum = new Map<string, number>();
    entries.forEach(([code, min]) => {
      const path = Array.isArray(o.languages) ? ["languages", minimum.size] : ["languages", code];
      if (!isDetectableCode(code)) {
        const suggestion = toLanguageCode(code);
        const hint = suggestion !== undefined && suggestion !== code && isDetectableCode(suggestion) ? `; did you mean \`${suggestion}\`?` : "";
        throw new StageOptionError(path, `\`${code}\` is not a language code any detector writes${hint} (codes are ISO 639-1 where one exists, else 639-3; see docs/languages.md)`);
      }
      minimum.set(code, min ?? o.minScore);
    });
    const anyLanguage = o.languages === null;
    const allowed = [...minimum.keys()];
    const scoreField = `${o.field}_score`;
    return (doc) => {
      const lang = getField(doc.meta, o.field);
      const raw = getField(doc.meta, scoreField);
      const score = typeof raw === "number" ? raw : null;
      if (typeof lang !== "string") return { ...drop("lang_missing", null, o.field), detail: { detail: `no \`${o.field}\` tag: put a \`language\` stage before \`language-filter\`` } };
      const detail = { lang_score: score, ...(o.field === "lang" ? {} : { [o.field]: lang }) };
      const min = minimum.get(lang) ?? (anyLanguage && lang !== UND ? o.minScore : undefined);
      if (min === undefined) return { ...drop(lang === UND ? "lang_undetermined" : "lang_not_allowed", lang, anyLanguage ? "any language" : allowed), detail };
      // `und` has score 0: listing it keeps undetermined documents whatever the minimum
      if (lang !== UND && (score === null || score < min)) return { ...drop("lang_score_too_low", score, min), detail };
      return undefined;
    };
  },
});
