/** Element types. float32 for values, int32 for labels and indices. */
export type DType = 'float32' | 'int32';
export type DataFor<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;
export type TypedData = Float32Array | Int32Array;

export function allocate(dtype: DType, size: number): TypedData {
  return dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
}
