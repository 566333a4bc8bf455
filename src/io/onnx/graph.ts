/**
 * A small builder for an ONNX graph (nodes, initializers, typed inputs/outputs) as plain
 * objects shaped like onnx.proto's messages; encode.ts turns them into bytes with protobufjs.
 */

/** onnx.TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT64 = 7;

export interface AttributeValue {
  name: string;
  type: number;
  f?: number;
  i?: number;
  ints?: number[];
  s?: Uint8Array;
}

/** onnx.AttributeProto.AttributeType */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

export interface NodeValue {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute: AttributeValue[];
}

export interface TensorValue {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

export interface ValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
}

export type Attr = number | number[] | string | { float: number };

export class GraphBuilder {
  readonly nodes: NodeValue[] = [];
  readonly initializers: TensorValue[] = [];
  private readonly used = new Set<string>();

  /** A fresh value name based on `base` (ONNX names must be unique in a graph). */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a float32 constant (weights, means, ...) and returns its name. */
  floatConstant(base: string, values: Float32Array, dims: readonly number[]): string {
    const name = this.fresh(base);
    const copy = Float32Array.from(values);
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(copy.buffer) });
    return name;
  }

  /** Adds an int64 constant (shapes for Reshape) and returns its name. */
  int64Constant(base: string, values: readonly number[]): string {
    const name = this.fresh(base);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /**
   * Adds a node; numbers become INT attributes, `{ float }` FLOAT, arrays INTS, strings STRING.
   * Returns the output value's name.
   */
  node(opType: string, inputs: string[], base: string, attrs: Record<string, Attr> = {}): string {
    const output = this.fresh(base);
    const attribute: AttributeValue[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'number') return { name, type: ATTR.INT, i: v };
      if (Array.isArray(v)) return { name, type: ATTR.INTS, ints: v };
      if (typeof v === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
      return { name, type: ATTR.FLOAT, f: v.float };
    });
    this.nodes.push({ opType, input: inputs, output: [output], name: this.fresh(`${base}/${opType}`), attribute });
    return output;
  }

  /** Reserves a name for a graph input or output. */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX export: duplicate value name '${name}'`);
    this.used.add(name);
    return name;
  }
}

/** A float tensor type with a symbolic batch dimension ('batch') in front. */
export function batchedFloat(name: string, sample: readonly (number | null)[]): ValueInfo {
  return {
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, ...sample.map((d) => (d === null ? { dimParam: `${name}_dim` } : { dimValue: d }))] } } },
  };
}
