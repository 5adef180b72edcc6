import { describe, expect, it } from "vitest";
import {
  type AnnouncementSpec,
  announcementFilter,
  announcementTagSchema,
  buildAnnouncement,
  isProviderLive,
  parseAnnouncement,
  priceForModel,
} from "../src/nip89.js";
import { NOW, otherSk, providerPk, providerSk, sign, signed } from "./fixtures.js";

const p2pk = `02${"ab".repeat(32)}`;
const spec: AnnouncementSpec = {
  now: NOW,
  handlerId: "pylon-node-1",
  name: "Pylon node",
  about: "Tiny models, cheap",
  version: "pylon/0.1.0",
  models: [
    { name: "tiny-llama", contextLength: 2048, maxOutputTokens: 512 },
    { name: "big-model", contextLength: 32768, price: { inputMsatsPer1k: 500, outputMsatsPer1k: 1500 } },
  ],
  price: { inputMsatsPer1k: 100, outputMsatsPer1k: 300, minimumMsats: 10 },
  capacity: { slots: 2, maxQueue: 16 },
  load: { active: 1, queued: 3 },
  payment: { methods: ["cashu"], mints: ["http://127.0.0.1:3338"], p2pkPubkey: p2pk },
  ttlSec: 900,
};

describe("announcement builder", () => {
  it("emits d, k, t, status and expiration tags and a documented content", () => {
    const template = buildAnnouncement(spec);
    expect(template.kind).toBe(31990);
    expect(template.tags).toEqual([
      ["d", "pylon-node-1"],
      ["k", "5050"],
      ["t", "pylon"],
      ["status", "online"],
      ["expiration", String(NOW + 900)],
    ]);
    for (const tag of template.tags) expect(announcementTagSchema.safeParse(tag).success).toBe(true);
    expect(JSON.parse(template.content)).toEqual({
      name: "Pylon node",
      about: "Tiny models, cheap",
      pylon: 1,
      version: "pylon/0.1.0",
      models: [
        { name: "tiny-llama", context: 2048, max_output: 512 },
        {
          name: "big-model",
          context: 32768,
          price: { unit: "msat", input_per_1k: 500, output_per_1k: 1500 },
        },
      ],
      price: { unit: "msat", input_per_1k: 100, output_per_1k: 300, min: 10 },
      capacity: { slots: 2, queue: 16 },
      load: { active: 1, queued: 3 },
      encryption: ["nip44", "nip04"],
      payment: { methods: ["cashu"], mints: ["http://127.0.0.1:3338"], p2pk },
      heartbeat: NOW,
    });
  });

  it("round-trips through the parser", () => {
    const event = sign(buildAnnouncement({ ...spec, kinds: [5050, 5002], status: "offline" }), providerSk);
    const parsed = parseAnnouncement(event);
    expect(parsed).toEqual({
      ok: true,
      announcement: {
        id: event.id,
        pubkey: providerPk,
        createdAt: NOW,
        handlerId: "pylon-node-1",
        kinds: [5050, 5002],
        name: "Pylon node",
        about: "Tiny models, cheap",
        version: "pylon/0.1.0",
        isPylon: true,
        models: spec.models,
        price: spec.price,
        capacity: spec.capacity,
        load: spec.load,
        encryption: ["nip44", "nip04"],
        payment: spec.payment,
        status: "offline",
        heartbeat: NOW,
        expiration: NOW + 900,
        warnings: [],
      },
    });
  });

  it("refuses bad announcements", () => {
    expect(() => buildAnnouncement({ ...spec, name: " " })).toThrow(TypeError);
    expect(() => buildAnnouncement({ ...spec, kinds: [] })).toThrow(RangeError);
    expect(() => buildAnnouncement({ ...spec, kinds: [1] })).toThrow(RangeError);
    expect(() => buildAnnouncement({ ...spec, ttlSec: 0 })).toThrow(RangeError);
    expect(() => buildAnnouncement({ ...spec, price: { inputMsatsPer1k: -1, outputMsatsPer1k: 1 } })).toThrow(
      RangeError,
    );
  });
});

describe("foreign announcements", () => {
  it("reads a plain NIP-89 DVM announcement with clear defaults", () => {
    const event = signed(
      {
        kind: 31990,
        tags: [
          ["k", "5050"],
          ["t", "bitcoin"],
        ],
        content: JSON.stringify({
          name: "Some DVM",
          about: "I answer questions",
          image: "https://x.example/a.png",
        }),
      },
      otherSk,
    );
    const parsed = parseAnnouncement(event);
    expect(parsed).toMatchObject({
      ok: true,
      announcement: {
        handlerId: "",
        kinds: [5050],
        name: "Some DVM",
        picture: "https://x.example/a.png",
        isPylon: false,
        models: [],
        encryption: [],
        payment: { methods: [], mints: [] },
        status: "online",
        heartbeat: NOW,
        warnings: [],
      },
    });
    if (parsed.ok) {
      expect(parsed.announcement.price).toBeUndefined();
      expect(parsed.announcement.capacity).toBeUndefined();
    }
  });

  it.each([
    ["not JSON", "hello, I am a bot", "announcement content is not JSON"],
    ["a JSON array", "[1,2]", "announcement content is not a JSON object"],
    ["JSON null", "null", "announcement content is not a JSON object"],
  ])("survives content that is %s", (_, content, warning) => {
    const parsed = parseAnnouncement(signed({ kind: 31990, tags: [["d", "x"]], content }, otherSk));
    expect(parsed).toMatchObject({
      ok: true,
      announcement: { name: "", about: "", models: [], handlerId: "x" },
    });
    if (parsed.ok) expect(parsed.announcement.warnings).toEqual([warning, "announcement lists no kinds"]);
  });

  it("keeps the readable parts of a messy announcement", () => {
    const content = {
      name: "Messy",
      pylon: "yes",
      models: ["llama3", { name: "qwen", context: "8192" }, { context: 5 }, 42],
      price: { unit: "sat", input_per_1k: "1", output_per_1k: 2 },
      capacity: { queue: 3 },
      encryption: ["NIP44", "rot13", "nip44"],
      payment: { methods: ["Cashu"], mints: ["ftp://nope", "https://mint.example"], p2pk: "nope" },
      heartbeat: NOW + 10_000,
    };
    const parsed = parseAnnouncement(
      signed(
        {
          kind: 31990,
          tags: [
            ["k", "5050"],
            ["k", "abc"],
            ["k", "5050"],
          ],
          content: JSON.stringify(content),
        },
        otherSk,
      ),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const a = parsed.announcement;
    expect(a.kinds).toEqual([5050]);
    expect(a.isPylon).toBe(true);
    expect(a.models).toEqual([{ name: "llama3" }, { name: "qwen", contextLength: 8192 }]);
    expect(a.price).toEqual({ inputMsatsPer1k: 1000, outputMsatsPer1k: 2000 });
    expect(a.capacity).toBeUndefined();
    expect(a.encryption).toEqual(["nip44"]);
    expect(a.payment).toEqual({ methods: ["cashu"], mints: ["https://mint.example"] });
    expect(a.heartbeat).toBe(NOW);
    expect(a.warnings).toEqual([
      "announcement models entry unreadable, ignored",
      "announcement models entry unreadable, ignored",
      "announcement encryption entry unreadable, ignored",
      "announcement mints entry unreadable, ignored",
      "announcement p2pk unreadable, ignored",
      "announcement capacity unreadable, ignored",
    ]);
  });

  it("rejects only what is not an announcement at all", () => {
    expect(parseAnnouncement(signed({ kind: 0, tags: [], content: "{}" }))).toMatchObject({
      ok: false,
      code: "invalid",
    });
    expect(parseAnnouncement({ kind: 31990 })).toMatchObject({ ok: false, code: "invalid" });
  });
});

describe("liveness and pricing", () => {
  const live = { status: "online" as const, heartbeat: NOW, expiration: NOW + 900 };

  it("treats online, fresh and unexpired as live", () => {
    expect(isProviderLive(live, NOW + 60)).toBe(true);
    expect(isProviderLive({ ...live, status: "offline" }, NOW + 60)).toBe(false);
    expect(isProviderLive(live, NOW + 601)).toBe(false);
    expect(isProviderLive(live, NOW + 601, 1200)).toBe(true);
    expect(isProviderLive(live, NOW + 900, 3600)).toBe(false);
    expect(isProviderLive({ status: "online", heartbeat: NOW }, NOW + 500)).toBe(true);
  });

  it("prices a model by its own price, else the provider's", () => {
    const announcement = { models: spec.models, price: spec.price };
    expect(priceForModel(announcement, "big-model")).toEqual({
      inputMsatsPer1k: 500,
      outputMsatsPer1k: 1500,
    });
    expect(priceForModel(announcement, "tiny-llama")).toEqual(spec.price);
    expect(priceForModel({ models: [] }, "x")).toBeUndefined();
  });

  it("builds the discovery filter", () => {
    expect(announcementFilter()).toEqual({ kinds: [31990], "#k": ["5050"] });
    expect(announcementFilter(5002)).toEqual({ kinds: [31990], "#k": ["5002"] });
  });
});
