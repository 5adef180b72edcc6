import { readFile } from "node:fs/promises";
import path from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import { GgmlType, readGgufFileInfo } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { float32ToFloat16Bits } from "../src/gguf/f16.js";
import { Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES, quantiseQ4_0, quantiseQ8_0 } from "../src/gguf/quantise.js";
import { GENERATED_MODEL_SHAPES, generatedModelShape } from "../src/gguf/shapes.js";
import { generateTinyGguf, TINY_CHAT_TEMPLATE, writeTinyGguf } from "../src/gguf/tiny-model.js";
import { createLlamaBackend } from "../src/llama/llama-backend.js";

const cleanup = new Cleanup();
let tempPath: string;
beforeAll(async () => {
  tempPath = await tempDir(cleanup, "pylon-inference-");
});
afterAll(async () => {
  await cleanup.run();
});

describe("generateTinyGguf", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const first = generateTinyGguf({ seed: 42 });
    const again = generateTinyGguf({ seed: 42 });
    const other = generateTinyGguf({ seed: 43 });
    expect(Buffer.from(first).equals(Buffer.from(again))).toBe(true);
    expect(other.length).toBe(first.length);
    expect(Buffer.from(first).equals(Buffer.from(other))).toBe(false);
  });

  it("starts with a GGUF v3 header and generates in milliseconds", () => {
    const started = performance.now();
    const bytes = generateTinyGguf();
    const elapsed = performance.now() - started;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("GGUF");
    expect(view.getUint32(4, true)).toBe(3);
    expect(view.getBigUint64(8, true)).toBe(BigInt(3 + 9 * 2)); // tensors: embd, norm, output + 9 per layer
    expect(bytes.length % 32).toBe(0);
    expect(elapsed).toBeLessThan(500);
  });

  it("reads back through node-llama-cpp with the requested shape", async () => {
    const file = path.join(tempPath, "shaped.gguf");
    await writeTinyGguf(file, {
      seed: 5,
      layers: 3,
      embedding: 32,
      heads: 4,
      kvHeads: 1,
      ffn: 48,
      contextLength: 1024,
    });
    const info = await readGgufFileInfo(file);
    const metadata = info.metadata;

    expect(metadata.general.architecture).toBe("llama");
    expect(metadata.llama).toMatchObject({
      context_length: 1024,
      embedding_length: 32,
      block_count: 3,
      feed_forward_length: 48,
      attention: { head_count: 4, head_count_kv: 1 },
      rope: { dimension_count: 8 },
    });
    const tokenizer = metadata.tokenizer;
    expect(tokenizer.ggml.model).toBe("llama");
    expect(tokenizer.chat_template).toBe(TINY_CHAT_TEMPLATE);
    const tokens = tokenizer.ggml.tokens as string[];
    expect(tokens.length).toBeGreaterThanOrEqual(450);
    expect(tokens.length).toBeLessThanOrEqual(470);
    for (const special of [
      "<unk>",
      "<s>",
      "</s>",
      "<|im_start|>",
      "<|im_end|>",
      "<0x00>",
      "<0x0A>",
      "<0xFF>",
    ]) {
      expect(tokens).toContain(special);
    }
    expect(tokens).toContain("\u2581the");
    expect(tokenizer.ggml.bos_token_id).toBe(tokens.indexOf("<s>"));
    expect(tokenizer.ggml.eos_token_id).toBe(tokens.indexOf("</s>"));
    const types = tokenizer.ggml.token_type as number[];
    expect(types[tokens.indexOf("<|im_end|>")]).toBe(3); // control
    expect(types[tokens.indexOf("<0x41>")]).toBe(6); // byte
    expect(types[tokens.indexOf("<unk>")]).toBe(2); // unknown

    const tensors = info.fullTensorInfo ?? [];
    expect(tensors).toHaveLength(3 + 9 * 3);
    for (const tensor of tensors) expect(Number(tensor.offset) % 32).toBe(0);
    const byName = new Map(tensors.map((tensor) => [tensor.name, tensor]));
    expect(byName.get("token_embd.weight")?.dimensions.map(Number)).toEqual([32, tokens.length]);
    expect(byName.get("blk.2.attn_k.weight")?.dimensions.map(Number)).toEqual([32, 8]); // 1 KV head of 8
    expect(byName.get("blk.0.ffn_down.weight")?.dimensions.map(Number)).toEqual([48, 32]);
  });

  it("stores matrices as F16 on request while norms stay F32", async () => {
    const file = path.join(tempPath, "half.gguf");
    const size = await writeTinyGguf(file, { weights: "f16" });
    expect(size).toBeLessThan(generateTinyGguf().length * 0.6);
    expect(Buffer.from(await readFile(file)).equals(Buffer.from(generateTinyGguf({ weights: "f16" })))).toBe(
      true,
    );
    const info = await readGgufFileInfo(file);
    const types = new Map((info.fullTensorInfo ?? []).map((tensor) => [tensor.name, tensor.ggmlType]));
    expect(types.get("blk.0.attn_q.weight")).toBe(GgmlType.F16);
    expect(types.get("blk.0.attn_norm.weight")).toBe(GgmlType.F32);
  });

  it.each([
    ["q8_0", GgmlType.Q8_0, 0.3],
    ["q4_0", GgmlType.Q4_0, 0.2],
  ] as const)(
    "stores matrices as %s, which node-llama-cpp loads and generates with",
    async (weights, type, maxSizeRatio) => {
      const file = path.join(tempPath, `${weights}.gguf`);
      const size = await writeTinyGguf(file, { weights });
      expect(size).toBeLessThan(generateTinyGguf().length * maxSizeRatio);
      const info = await readGgufFileInfo(file);
      const types = new Map((info.fullTensorInfo ?? []).map((tensor) => [tensor.name, tensor.ggmlType]));
      expect(types.get("blk.1.ffn_down.weight")).toBe(type);
      expect(types.get("output_norm.weight")).toBe(GgmlType.F32);

      const backend = await createLlamaBackend({
        model: file,
        gpu: false,
        threads: 1,
        slots: 2,
        contextSize: 64,
      });
      try {
        const request = { prompt: "the answer is", maxTokens: 12, ignoreEos: true, temperature: 1, seed: 3 };
        const [first, second] = await Promise.all([backend.generate(request), backend.generate(request)]);
        expect(first.usage.outputTokens).toBe(12);
        expect(first.text.length).toBeGreaterThan(0);
        expect(second.text).toBe(first.text); // same seed, batched together: same text
      } finally {
        await backend.close();
      }
    },
  );

  it("names its benchmark shapes and refuses unknown ones", () => {
    expect(generatedModelShape("medium-q8")).toBe(GENERATED_MODEL_SHAPES["medium-q8"]);
    expect(() => generatedModelShape("huge")).toThrow(/unknown model shape "huge"; one of tiny, medium-q4/);
  });

  it("rejects shapes llama.cpp cannot load", () => {
    expect(() => generateTinyGguf({ weights: "q8_0", ffn: 100 })).toThrow(/multiples of 32/);
    expect(() => generateTinyGguf({ weights: "q2_k" as never })).toThrow(/unknown weight type/);
    expect(() => generateTinyGguf({ embedding: 64, heads: 5 })).toThrow(/heads must divide embedding/);
    expect(() => generateTinyGguf({ heads: 4, kvHeads: 3 })).toThrow(/kvHeads must divide heads/);
    expect(() => generateTinyGguf({ embedding: 12, heads: 4 })).toThrow(/even/);
    expect(() => generateTinyGguf({ layers: 0 })).toThrow(/layers/);
  });
});

describe("float32ToFloat16Bits", () => {
  it("converts exact, rounded, subnormal and special values", () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(0.5)).toBe(0x3800);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff); // largest finite half
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(float32ToFloat16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0x0000); // below half of it: zero
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie rounds to even (down)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie rounds to even (up)
  });
});

describe("quantisers", () => {
  // A block holding a sweep of values, an exact zero and its extreme at the end.
  const block = Float32Array.from({ length: 32 }, (_, i) => (i === 5 ? 0 : Math.sin(i * 1.7) * 0.8));
  block[31] = -1.6;

  it("writes Q8_0 as ggml does: an F16 scale of max|x|/127, then round(x / scale)", () => {
    const bytes = quantiseQ8_0(Float32Array.from([...block, ...new Float32Array(32)]));
    expect(bytes.length).toBe(2 * Q8_0_BLOCK_BYTES);
    const view = new DataView(bytes.buffer);
    const scale = float16ToNumber(view.getUint16(0, true));
    expect(scale).toBeCloseTo(1.6 / 127, 5);
    for (let i = 0; i < 32; i++) {
      const q = view.getInt8(2 + i);
      expect(Math.abs(q * scale - block[i]!)).toBeLessThanOrEqual(scale / 2 + 1e-4);
    }
    expect(view.getInt8(2 + 31)).toBe(-127);
    expect(view.getInt8(2 + 5)).toBe(0);
    expect([...bytes.subarray(Q8_0_BLOCK_BYTES)].every((byte) => byte === 0)).toBe(true); // all-zero block
  });

  it("writes Q4_0 as ggml does: scale = extreme / -8, nibbles x/scale + 8, halves split low/high", () => {
    const bytes = quantiseQ4_0(block);
    expect(bytes.length).toBe(Q4_0_BLOCK_BYTES);
    const view = new DataView(bytes.buffer);
    const scale = float16ToNumber(view.getUint16(0, true));
    expect(scale).toBeCloseTo(1.6 / 8, 4);
    for (let i = 0; i < 32; i++) {
      const byte = bytes[2 + (i % 16)]!;
      const nibble = i < 16 ? byte & 0x0f : byte >> 4;
      expect(Math.abs((nibble - 8) * scale - block[i]!)).toBeLessThanOrEqual(scale / 2 + 1e-3);
    }
    expect(bytes[2 + 15]! >> 4).toBe(0); // the extreme -1.6 maps to nibble 0 (= -8 × scale)
  });

  it("refuses data that is not whole blocks", () => {
    expect(() => quantiseQ8_0(new Float32Array(40))).toThrow(/multiple of 32/);
  });
});

function float16ToNumber(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
