import { ByteWriter } from "./byte-writer.js";
import { float32ToFloat16Bits } from "./f16.js";
import { Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES, QUANT_BLOCK, quantiseQ4_0, quantiseQ8_0 } from "./quantise.js";

/** GGUF metadata value types (ggml/src/gguf.cpp, enum gguf_type). */
const GgufValueType = {
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
} as const;

/** ggml tensor element types we can write. */
export type GgmlTensorTypeName = "f32" | "f16" | "q4_0" | "q8_0";

/** Their ids in ggml's `ggml_type` enum. */
const GgmlTensorType: Record<GgmlTensorTypeName, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 8 };

export type GgufMetadataValue =
  | { type: "uint32" | "int32" | "float32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "array"; itemType: "string"; value: readonly string[] }
  | { type: "array"; itemType: "int32" | "float32"; value: readonly number[] };

export interface GgufTensorSpec {
  name: string;
  /** Dimensions in ggml order: the contiguous (input) dimension first. */
  dims: readonly number[];
  type: GgmlTensorTypeName;
  /** The values in F32; quantised types are quantised on write. */
  data: Float32Array;
}

export interface GgufFileSpec {
  metadata: ReadonlyArray<readonly [key: string, value: GgufMetadataValue]>;
  tensors: readonly GgufTensorSpec[];
  /** Alignment of the data section and of every tensor; also written as `general.alignment`. */
  alignment?: number;
}

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;

/** Serialises a GGUF v3 file: header, typed key/value metadata, tensor infos, then aligned tensor data. */
export function encodeGguf(spec: GgufFileSpec): Uint8Array {
  const alignment = spec.alignment ?? 32;
  const metadata = [...spec.metadata, ["general.alignment", { type: "uint32", value: alignment }] as const];
  for (const tensor of spec.tensors) checkTensor(tensor);

  const out = new ByteWriter();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(spec.tensors.length);
  out.u64(metadata.length);
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value);
  }

  let offset = 0;
  for (const tensor of spec.tensors) {
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(GgmlTensorType[tensor.type]);
    out.u64(offset);
    offset = alignUp(offset + tensorByteSize(tensor), alignment);
  }

  out.pad(alignment);
  for (const tensor of spec.tensors) {
    writeTensorData(out, tensor);
    out.pad(alignment);
  }
  return out.toBytes();
}

function writeValue(out: ByteWriter, entry: GgufMetadataValue): void {
  out.u32(GgufValueType[entry.type]);
  switch (entry.type) {
    case "uint32":
      out.u32(entry.value);
      return;
    case "int32":
      out.i32(entry.value);
      return;
    case "float32":
      out.f32(entry.value);
      return;
    case "bool":
      out.u8(entry.value ? 1 : 0);
      return;
    case "string":
      out.string(entry.value);
      return;
    case "array":
      out.u32(GgufValueType[entry.itemType]);
      out.u64(entry.value.length);
      for (const item of entry.value) {
        if (entry.itemType === "string") out.string(item as string);
        else if (entry.itemType === "int32") out.i32(item as number);
        else out.f32(item as number);
      }
      return;
  }
}

function writeTensorData(out: ByteWriter, tensor: GgufTensorSpec): void {
  switch (tensor.type) {
    case "f32":
      out.raw(littleEndianBytes(tensor.data));
      return;
    case "f16":
      for (const value of tensor.data) out.u16(float32ToFloat16Bits(value));
      return;
    case "q8_0":
      out.raw(quantiseQ8_0(tensor.data));
      return;
    case "q4_0":
      out.raw(quantiseQ4_0(tensor.data));
      return;
  }
}

function littleEndianBytes(data: Float32Array): Uint8Array {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return bytes;
}

function checkTensor(tensor: GgufTensorSpec): void {
  const elements = tensor.dims.reduce((product, dim) => product * dim, 1);
  if (tensor.dims.length === 0 || tensor.dims.length > 4)
    throw new RangeError(`tensor ${tensor.name}: ggml tensors have 1 to 4 dimensions`);
  if (elements !== tensor.data.length)
    throw new RangeError(
      `tensor ${tensor.name}: dims hold ${elements} elements but data has ${tensor.data.length}`,
    );
  if ((tensor.type === "q8_0" || tensor.type === "q4_0") && tensor.dims[0]! % QUANT_BLOCK !== 0)
    throw new RangeError(
      `tensor ${tensor.name}: ${tensor.type} rows must be a multiple of ${QUANT_BLOCK} long`,
    );
}

function tensorByteSize(tensor: GgufTensorSpec): number {
  const values = tensor.data.length;
  switch (tensor.type) {
    case "f32":
      return values * 4;
    case "f16":
      return values * 2;
    case "q8_0":
      return (values / QUANT_BLOCK) * Q8_0_BLOCK_BYTES;
    case "q4_0":
      return (values / QUANT_BLOCK) * Q4_0_BLOCK_BYTES;
  }
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
