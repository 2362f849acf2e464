import type { Overrides } from "./load.js";

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
}
