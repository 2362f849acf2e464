/**
 * Writes docs/report.png, the README's picture of the report: the top of out/sample/report.html
 * (run `npm start` first) in headless Chromium, 1280 × 1000.
 *
 *   npx tsx scripts/report-screenshot.ts [report.html] [out.png]
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const report = resolve(process.argv[2] ?? "out/sample/report.html");
const out = resolve(process.argv[3] ?? "docs/report.png");
const profile = await mkdtemp(join(tmpdir(), "refinery-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.REFINERY_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  viewport: { width: 1280, height: 1000 },
  offline: true,
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(pathToFileURL(report).href);
  await page.screenshot({ path: out });
  process.stdout.write(`${out}: ${((await stat(out)).size / 1024).toFixed(0)} kB\n`);
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
