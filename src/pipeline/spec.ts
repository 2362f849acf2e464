import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { StageDefinition } from "../core/stage.js";
import { PipelineError } from "../errors.js";
import { registry as builtIn } from "../registry.js";
import { type CompiledPipeline, type Overrides, compilePipelineText } from "./load.js";
import { layout } from "./layout.js";

/**
 * Everything needed to rebuild a run in another thread, process or machine: the pipeline text,
 * the overrides, the working folder and the resolved input list. Saved as `state/spec.json`.
 */
export interface RunSpec {
  readonly pipelinePath: string;
  readonly pipelineText: string;
  readonly overrides: Overrides;
  readonly cwd: string;
  readonly runDir: string;
  readonly inputs: readonly string[];
  /** Hash of what determines the outputs (resolved config, inputs, Refinery version). */
  readonly identity: string;
  /** File URLs of modules whose `stages` extend the registry (library API `stageModules`). */
  readonly stageModules?: readonly string[];
}

/** Reads a run folder's `state/spec.json`. */
export async function readRunSpec(runDir: string): Promise<RunSpec> {
  let text: string;
  try {
    text = await readFile(join(runDir, layout.spec), "utf8");
  } catch (cause) {
    throw new PipelineError("E_USAGE", `\`${runDir}\` is not a Refinery run folder (no ${layout.spec}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
  return JSON.parse(text) as RunSpec;
}

/** The stage registry of a run: the built-in stages plus those of its stage modules. */
export async function runRegistry(stageModules: readonly string[] | undefined): Promise<Readonly<Record<string, StageDefinition>>> {
  if (!stageModules || stageModules.length === 0) return builtIn;
  const merged: Record<string, StageDefinition> = { ...builtIn };
  for (const url of stageModules) {
    let module: { stages?: unknown };
    try {
      module = (await import(url)) as { stages?: unknown };
    } catch (cause) {
      throw new PipelineError("E_CONFIG", `Cannot load the stage module \`${url}\`: ${(cause as Error).message}`, { cause });
    }
    const list = Array.isArray(module.stages) ? module.stages : module.stages && typeof module.stages === "object" ? Object.values(module.stages) : undefined;
    if (!list) throw new PipelineError("E_CONFIG", `The stage module \`${url}\` must export \`stages\`: a list of stage definitions (from defineStage, defineFilter, …)`);
    for (const def of list as StageDefinition[]) {
      if (typeof def?.use !== "string" || typeof def.create !== "function") throw new PipelineError("E_CONFIG", `The stage module \`${url}\` exports something in \`stages\` that is not a stage definition`);
      if (def.use in merged) throw new PipelineError("E_CONFIG", `The stage module \`${url}\` defines \`${def.use}\`, which is already a stage`);
      merged[def.use] = def;
    }
  }
  return Object.freeze(merged);
}

/** Rebuilds the compiled pipeline of a run from its spec. */
export async function compileSpec(spec: RunSpec): Promise<CompiledPipeline> {
  return compilePipelineText(spec.pipelineText, spec.pipelinePath, spec.overrides, { registry: await runRegistry(spec.stageModules) });
}
