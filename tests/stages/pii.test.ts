import { describe, expect, it } from "vitest";
import { registry } from "../../src/registry.js";
import { doc, runStage } from "../helpers/stage.js";

const def = registry.pii!;

describe("pii stage", () => {
  const text = "Write to a@example.com or b@example.org, call +44 20 7946 0958, pay with 4111 1111 1111 1111 to DE89 3704 0044 0532 0130 00 from 192.0.2.17 or 2001:db8::1. Version 1.2.3.4, ISBN 978-3-16-148410-0.";

  it("replaces each kind with its placeholder and counts kinds and documents", async () => {
    const out = await runStage(def, {}, [doc(text, { lang: "en" }, "a"), doc("nothing here, 2024-01-05", {}, "b"), doc("c@example.net", {}, "c")]);
    expect(out.kept.map((d) => d.text)).toEqual([
      "Write to <EMAIL> or <EMAIL>, call <PHONE>, pay with <CREDIT_CARD> to <IBAN> from <IP_ADDRESS> or <IP_ADDRESS>. Version 1.2.3.4, ISBN 978-3-16-148410-0.",
      "nothing here, 2024-01-05",
      "<EMAIL>",
    ]);
    expect(out.counters).toEqual({
      email: 3,
      "docs/email": 2,
      phone: 1,
      "docs/phone": 1,
      card: 1,
      "docs/card": 1,
      iban: 1,
      "docs/iban": 1,
      ipv4: 1,
      "docs/ipv4": 1,
      ipv6: 1,
      "docs/ipv6": 1,
      changed: 2,
    });
    expect(out.drops).toEqual([]);
    expect(out.kept[0]?.meta).toEqual({ lang: "en" });
  });

  it("custom placeholders, a subset of kinds, and counts in metadata (kinds and counts only)", async () => {
    const out = await runStage(def, { kinds: ["email", "phone"], placeholders: { email: "[email]" }, metaField: "pii" }, [doc(text, {}, "a")]);
    expect(out.kept[0]?.text).toBe(
      "Write to [email] or [email], call <PHONE>, pay with 4111 1111 1111 1111 to DE89 3704 0044 0532 0130 00 from 192.0.2.17 or 2001:db8::1. Version 1.2.3.4, ISBN 978-3-16-148410-0.",
    );
    expect(out.kept[0]?.meta).toEqual({ pii: { email: 2, phone: 1 } });
  });

  it("rejects unknown kinds and placeholder keys", () => {
    expect(() => def.create({ kinds: ["ssn"] }, { id: "pii", seed: 0 })).toThrow();
    expect(() => def.create({ placeholders: { mail: "x" } }, { id: "pii", seed: 0 })).toThrow();
  });
});
