import type { StageDefinition } from "../core/stage.js";
import { defaultOf, describeType, isRequired, shapeOf } from "../pipeline/introspect.js";

/** One option of a stage, as documented by its schema. */
export interface OptionDoc {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default: unknown;
  readonly description: string;
}

/** A stage's documentation, generated from its definition (used by `refinery stages` and the README). */
export interface StageDoc {
  readonly use: string;
  readonly kind: string;
  readonly summary: string;
  readonly codes: readonly string[];
  readonly options: readonly OptionDoc[];
}

export function stageDoc(def: StageDefinition): StageDoc {
  const shape = shapeOf(def.options) ?? {};
  return {
    use: def.use,
    kind: def.kind,
    summary: def.summary,
    codes: def.codes,
    options: Object.entries(shape).map(([name, schema]) => ({
      name,
      type: describeType(schema),
      required: isRequired(schema),
      default: defaultOf(schema),
      description: schema.description ?? "",
    })),
  };
}

function showDefault(option: OptionDoc): string {
  if (option.required) return "required";
  if (option.default === undefined) return "—";
  return JSON.stringify(option.default);
}

/** Plain-text listing for the terminal. */
export function formatStageText(doc: StageDoc): string {
  const lines = [`${doc.use} (${doc.kind}): ${doc.summary}`];
  if (doc.codes.length > 0) lines.push(`  reasons: ${doc.codes.join(", ")}`);
  for (const o of doc.options) lines.push(`  ${o.name}: ${o.type} = ${showDefault(o)}`, `      ${o.description}`);
  return lines.join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Markdown for the README: a summary table, then one options table per stage. */
export function formatStagesMarkdown(docs: readonly StageDoc[]): string {
  const out = ["| stage | kind | what it does | reason codes |", "| --- | --- | --- | --- |"];
  for (const d of docs) out.push(`| \`${d.use}\` | ${d.kind} | ${cell(d.summary)} | ${d.codes.map((c) => `\`${c}\``).join(", ") || "—"} |`);
  for (const d of docs) {
    out.push("", `#### \`${d.use}\``, "", "| option | type | default | description |", "| --- | --- | --- | --- |");
    for (const o of d.options) out.push(`| \`${o.name}\` | ${cell(o.type)} | ${cell(showDefault(o))} | ${cell(o.description)} |`);
  }
  return out.join("\n");
}
