/**
 * The detectors load from the installed packages only, never from the network, and only at the
 * first document (not when a pipeline is validated). Runs in its own process (vitest forks per file),
 * so nothing is loaded before these tests.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { compilePipelineText } from "../../src/pipeline/load.js";
import { isDetectorLoaded, loadDetector } from "../../src/stages/language/detectors.js";
import { doc, runStage } from "../helpers/stage.js";
import { language } from "../../src/stages/language/language.js";

const require = createRequire(import.meta.url);

describe("language detectors, offline and lazy", () => {
  it("validating a pipeline does not load the model", () => {
    const yaml = "version: 1\ninput: {paths: [x.jsonl]}\noutput: {dir: out}\nstages:\n  - use: language\n";
    compilePipelineText(yaml, "p.yaml");
    language.create({}, { id: "language", seed: 0 });
    expect(isDetectorLoaded("fasttext")).toBe(false);
  });

  it("loads lid.176 at the first document with every network entry point disabled", async () => {
    const attempts: string[] = [];
    const refuse = (what: string) => () => {
      attempts.push(what);
      throw new Error(`network access attempted: ${what}`);
    };
    const http = require("node:http") as Record<string, unknown>;
    const https = require("node:https") as Record<string, unknown>;
    const net = require("node:net") as Record<string, unknown>;
    const saved = { fetch: globalThis.fetch, h: http.request, hg: http.get, s: https.request, sg: https.get, c: net.connect, cc: net.createConnection };
    globalThis.fetch = refuse("fetch") as unknown as typeof fetch;
    http.request = refuse("http.request");
    http.get = refuse("http.get");
    https.request = refuse("https.request");
    https.get = refuse("https.get");
    net.connect = refuse("net.connect");
    net.createConnection = refuse("net.createConnection");
    try {
      const { kept } = await runStage(language, {}, [doc("Das ist ein ganz normaler deutscher Satz über das Wetter.")]);
      expect(kept[0]?.meta.lang).toBe("de");
      expect(isDetectorLoaded("fasttext")).toBe(true);
      expect((await loadDetector("franc")).predict("ceci est une phrase en français sans aucun doute", 1)[0]?.lang).toBe("fr");
    } finally {
      Object.assign(globalThis, { fetch: saved.fetch });
      Object.assign(http, { request: saved.h, get: saved.hg });
      Object.assign(https, { request: saved.s, get: saved.sg });
      Object.assign(net, { connect: saved.c, createConnection: saved.cc });
    }
    expect(attempts).toEqual([]);
  });
});
