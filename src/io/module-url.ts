/**
 * URL of a module to start in a worker thread. Under a TypeScript test runner the sources are not
 * runnable in a thread, so the compiled module in dist/ is used instead (`npm test` builds first).
 */
export function threadModuleUrl(relativeToSrc: string, from: string): URL {
  return from.endsWith(".ts") ? new URL(`../../dist/${relativeToSrc}`, from) : new URL(`../${relativeToSrc}`, from);
}
