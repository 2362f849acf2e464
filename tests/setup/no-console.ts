import { beforeAll } from "vitest";

// library code logs through the run context, never the console; a console call in a test run is a bug
beforeAll(() => {
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    console[method] = (...args: unknown[]) => {
      throw new Error(`Unexpected console.${method} in a test: ${args.map(String).join(" ")}`);
    };
  }
});
