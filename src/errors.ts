import type { z } from "zod";

/** Stable error codes; the CLI maps them to exit codes. */
export type ErrorCode = "E_CONFIG" | "E_INPUT" | "E_OUTPUT" | "E_STAGE" | "E_RUN" | "E_USAGE";

/** An expected failure with a clear, located message. The CLI prints it without a stack trace. */
export class PipelineError extends Error {
  override name = "PipelineError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A path inside a pipeline file, formatted as `stages[2].with.minWords`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** One validation problem: where it is and what was expected. */
export interface ConfigIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Turns a zod issue into a short message that says what was expected. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      const got = "input" in issue ? describeValue(issue.input) : undefined;
      const expected = issue.expected === "number" ? "a number" : issue.expected === "array" ? "a list" : issue.expected === "object" ? "a mapping" : `a ${issue.expected}`;
      return got === undefined || got === "nothing" ? `expected ${expected}, but it is missing` : `expected ${expected}, got ${got}`;
    }
    case "too_small": {
      const op = issue.inclusive === false ? ">" : "≥";
      if (issue.origin === "array") return `expected at least ${issue.minimum} item${Number(issue.minimum) === 1 ? "" : "s"}`;
      if (issue.origin === "string") return `expected at least ${issue.minimum} character${Number(issue.minimum) === 1 ? "" : "s"}`;
      return `expected a number ${op} ${issue.minimum}`;
    }
    case "too_big": {
      const op = issue.inclusive === false ? "<" : "≤";
      if (issue.origin === "array") return `expected at most ${issue.maximum} items`;
      if (issue.origin === "string") return `expected at most ${issue.maximum} characters`;
      return `expected a number ${op} ${issue.maximum}`;
    }
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `\`${k}\``).join(", ")}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}${"input" in issue ? `, got ${describeValue(issue.input)}` : ""}`;
    case "invalid_format":
      return issue.message;
    case "not_multiple_of":
      return `expected a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${String(value)}`;
}

/** A pipeline file that failed validation; lists every problem with its path. */
export class ConfigError extends PipelineError {
  override name = "ConfigError";
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super("E_CONFIG", `Invalid pipeline \`${source}\`:\n${issues.map((i) => `  ${formatPath(i.path) || "(top level)"}: ${i.message}`).join("\n")}`);
  }
}

/** Converts zod issues (with a path prefix) into config issues. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return issues.flatMap((issue) => {
    // a union reports one issue per branch; show the branches' own issues instead of "invalid input"
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const branches = issue.errors.map((branch) => fromZodIssues(branch, [...prefix, ...issue.path]));
      const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
      return best;
    }
    return [{ path: [...prefix, ...issue.path], message: describeIssue(issue) }];
  });
}
