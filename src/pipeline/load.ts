import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseDocument, parse as parseYaml } from "yaml";
import type { z } from "zod";
import { deriveSeed } from "../core/hash.js";
import { type Stage, type StageDefinition, StageOptionError } from "../core/stage.js";
import { type ConfigIssue, ConfigError, PipelineError, fromZodIssues } from "../errors.js";
import { registry as defaultRegistry } from "../registry.js";
import { schemaAt, shapeOf, typeName } from "./introspect.js";
import { type PipelineConfig, PipelineFile, RESERVED_IDS } from "./schema.js";

/** One compiled stage: the built stage plus its resolved options (recorded in the manifest). */
export interface CompiledStage {
  readonly stage: Stage;
  readonly options: Readonly<Record<string, unknown>>;
  readonly seed: number;
}

/** A validated, frozen pipeline, ready to run. */
export interface CompiledPipeline {
  /** Where it came from (a path, or a label for in-memory pipelines). */
  readonly source: string;
  /** SHA-256 of the pipeline file text as written. */
  readonly sourceHash: string;
  readonly config: PipelineConfig;
  readonly stages: readonly CompiledStage[];
}

/** What can change a pipeline from outside the file (the CLI's flags). */
export interface Overrides {
  /** `STAGE_ID.OPTION=VALUE`, `input.FIELD=VALUE`, `output.FIELD=VALUE` or `seed=VALUE`. */
  readonly set?: readonly string[];
  /** Replaces `input.paths`. */
  readonly input?: readonly string[];
  /** Replaces `output.dir`. */
  readonly output?: string;
  /** Forces fail-fast on. */
  readonly failFast?: boolean;
  /** Replaces `executor.type` and fields of `executor.slurm` (validated like the file). */
  readonly executor?: { readonly type?: string; readonly slurm?: Readonly<Record<string, unknown>> };
}

export interface CompileOptions {
  /** The stage registry (tests may extend it). */
  readonly registry?: Readonly<Record<string, StageDefinition>>;
}

/** Reads, validates and compiles a pipeline file. Every problem is reported at once. */
export async function loadPipeline(path: string, overrides: Overrides = {}, options: CompileOptions = {}): Promise<CompiledPipeline> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new PipelineError("E_CONFIG", `Cannot read pipeline file \`${path}\`: ${(cause as Error).message}`, { cause });
  }
  return compilePipelineText(text, path, overrides, options);
}

/** Parses YAML text, applies overrides, validates and compiles. */
export function compilePipelineText(text: string, source: string, overrides: Overrides = {}, options: CompileOptions = {}): CompiledPipeline {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({ path: [], message: `YAML syntax error at line ${e.linePos?.[0]?.line ?? "?"}, column ${e.linePos?.[0]?.col ?? "?"}: ${e.message.split("\n")[0]}` })),
    );
  }
  const raw = doc.toJS() as unknown;
  const hash = createHash("sha256").update(text).digest("hex");
  return compilePipeline(applyOverrides(raw, overrides, source, options.registry ?? defaultRegistry), source, hash, options);
}

/** Validates the whole pipeline and builds every stage before any input is read. */
export function compilePipeline(raw: unknown, source: string, sourceHash: string, options: CompileOptions = {}): CompiledPipeline {
  const registry = options.registry ?? defaultRegistry;
  const parsed = PipelineFile.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, withHints(parsed.error.issues, PipelineFile, []));
  const config = parsed.data;

  const issues: ConfigIssue[] = [];
  const stages: CompiledStage[] = [];
  const seen = new Set<string>();
  config.stages.forEach((step, index) => {
    const def = registry[step.use];
    if (def === undefined) {
      const hint = closest(step.use, Object.keys(registry));
      issues.push({ path: ["stages", index, "use"], message: `unknown stage \`${step.use}\`${hint ? `; did you mean \`${hint}\`?` : ""} (run \`refinery stages\` for the list)` });
      return;
    }
    const id = step.id ?? step.use;
    if (RESERVED_IDS.has(id)) {
      issues.push({ path: ["stages", index, "id"], message: `\`${id}\` is reserved; give this stage an \`id\`` });
      return;
    }
    if (seen.has(id)) {
      issues.push({ path: ["stages", index, "id"], message: `duplicate stage id \`${id}\`; give each repeated stage a unique \`id\`` });
      return;
    }
    seen.add(id);
    const parsedOptions = def.options.safeParse(step.with ?? {}, { reportInput: true });
    if (!parsedOptions.success) {
      issues.push(...withHints(parsedOptions.error.issues, def.options, ["stages", index, "with"]));
      return;
    }
    const resolved = parsedOptions.data as Record<string, unknown>;
    const seed = typeof resolved.seed === "number" ? resolved.seed : deriveSeed(config.seed, id);
    try {
      stages.push({ stage: def.create(step.with ?? {}, { id, seed: config.seed }), options: resolved, seed });
    } catch (error) {
      if (error instanceof StageOptionError) issues.push({ path: ["stages", index, "with", ...error.path], message: error.message });
      else throw error;
    }
  });
  if (issues.length > 0) throw new ConfigError(source, issues);
  return Object.freeze({ source, sourceHash, config, stages: Object.freeze(stages) });
}

/** Applies CLI overrides to the raw (unvalidated) pipeline object; errors name the flag. */
export function applyOverrides(raw: unknown, overrides: Overrides, source: string, registry: Readonly<Record<string, StageDefinition>>): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw; // the schema reports it
  const file = structuredClone(raw) as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  if (overrides.input && overrides.input.length > 0) file.input = { ...(file.input as object), paths: [...overrides.input] };
  if (overrides.output !== undefined) file.output = { ...(file.output as object), dir: overrides.output };
  if (overrides.failFast) file.failFast = true;
  if (overrides.executor) {
    const executor = { ...((file.executor as Record<string, unknown> | undefined) ?? {}) };
    if (overrides.executor.type !== undefined) executor.type = overrides.executor.type;
    if (overrides.executor.slurm) executor.slurm = { ...((executor.slurm as Record<string, unknown> | undefined) ?? {}), ...overrides.executor.slurm };
    file.executor = executor;
  }
  for (const assignment of overrides.set ?? []) {
    const eq = assignment.indexOf("=");
    const key = eq > 0 ? assignment.slice(0, eq).trim() : "";
    if (eq <= 0 || key === "") {
      issues.push({ path: [`--set ${assignment}`], message: "expected STAGE_ID.OPTION=VALUE" });
      continue;
    }
    const rawValue = assignment.slice(eq + 1);
    const [head, ...rest] = key.split(".");
    if (head === "seed" && rest.length === 0) {
      file.seed = parseValue(rawValue);
      continue;
    }
    if (head === "input" || head === "output" || head === "executor") {
      if (rest.length === 0) {
        issues.push({ path: [`--set ${key}`], message: `expected ${head}.FIELD=VALUE` });
        continue;
      }
      const target = { ...((file[head] as Record<string, unknown> | undefined) ?? {}) };
      setPath(target, rest, parseValue(rawValue, /(paths|sbatchArgs)$/.test(rest.join(".")) ? "array" : undefined));
      file[head] = target;
      continue;
    }
    const stages = Array.isArray(file.stages) ? (file.stages as Record<string, unknown>[]) : [];
    const step = stages.find((s) => (s.id ?? s.use) === head);
    if (!step || rest.length === 0) {
      const ids = stages.map((s) => String(s.id ?? s.use));
      issues.push({
        path: [`--set ${key}`],
        message: !step ? `no stage with id \`${head}\` (stages: ${ids.join(", ") || "none"})` : "expected STAGE_ID.OPTION=VALUE",
      });
      continue;
    }
    const def = registry[String(step.use)];
    const target = def ? schemaAt(def.options, rest) : undefined;
    const expected = target ? typeName(target) : undefined;
    const options = { ...((step.with as Record<string, unknown> | undefined) ?? {}) };
    setPath(options, rest, parseValue(rawValue, expected));
    step.with = options;
  }
  if (issues.length > 0) throw new ConfigError(source, issues);
  return file;
}

/** Parses a `--set` value as a YAML scalar or flow collection; a comma list where a list is expected. */
function parseValue(text: string, expected?: string): unknown {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    value = text;
  }
  if (expected === "array" && typeof value === "string") return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (expected === "string" && value !== null && typeof value !== "string") return text;
  return value ?? (text.trim() === "" ? "" : null);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = next !== null && typeof next === "object" && !Array.isArray(next) ? { ...(next as object) } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** Converts zod issues; unknown keys get a "did you mean" from the keys the schema knows there. */
function withHints(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, prefix: readonly PropertyKey[]): ConfigIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "unrecognized_keys") return fromZodIssues([issue], prefix);
    const at = schemaAt(schema, issue.path);
    const known = at ? Object.keys(shapeOf(at) ?? {}) : [];
    return issue.keys.map((key) => {
      const hint = closest(key, known);
      return {
        path: [...prefix, ...issue.path, key],
        message: `unknown option${hint ? `; did you mean \`${hint}\`?` : ""}${known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`,
      };
    });
  });
}

/** The candidate nearest to `word` by edit distance, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
