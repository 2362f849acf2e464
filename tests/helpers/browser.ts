import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, type Page, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`, see .ci/run). */
export const CHROMIUM = process.env.REFINERY_CHROMIUM ?? "/usr/bin/chromium";

/** A report opened in headless Chromium, with everything that went wrong on the way. */
export interface OpenedReport {
  readonly page: Page;
  /** Console errors and warnings, uncaught page errors. */
  readonly errors: string[];
  /** Requests for anything but the report itself, and requests that failed. */
  readonly requests: string[];
  /** Dialogs (alert, confirm, prompt) that opened. */
  readonly dialogs: string[];
  close(): Promise<void>;
}

/** Opens an HTML file from file:// in a fresh headless Chromium profile, without any network. */
export async function openReport(path: string): Promise<OpenedReport> {
  const profile = await mkdtemp(join(tmpdir(), "refinery-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    viewport: { width: 1280, height: 900 },
    offline: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  const url = pathToFileURL(path).href;
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(`request: ${r.url()}`);
  });
  page.on("requestfailed", (r) => requests.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  await page.goto(url, { waitUntil: "load" });
  return {
    page,
    errors,
    requests,
    dialogs,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
