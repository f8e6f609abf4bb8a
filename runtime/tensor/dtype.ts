/** Element types, spelled as in torch. Quantized dtypes store their integer representation. */
export type FloatDType = 'float32';
export type IntDType = 'int32' | 'int8' | 'uint8' | 'int64' | 'bool';
export type QuantDType = 'quint8' | 'qint8' | 'qint32';
export type DType = FloatDType | IntDType | QuantDType;

export const float32 = 'float32' as const;
export const int32 = 'int32' as const;
export const int8 = 'int8' as const;
export const uint8 = 'uint8' as const;
/** int64 is stored in a Float64Array: exact up to 2^53, which covers counters and indices. */
export const int64 = 'int64' as const;
export const bool = 'bool' as const;
export const quint8 = 'quint8' as const;
export const qint8 = 'qint8' as const;
export const qint32 = 'qint32' as const;

export type TypedArray = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

/** Maps a dtype to the typed array that stores it. */
export type StorageOf<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'int64'
    ? Float64Array
    : D extends 'int32' | 'qint32'
      ? Int32Array
      : D extends 'int8' | 'qint8'
        ? Int8Array
        : Uint8Array;

export function storage_ctor(dtype: DType): {
  new (n: number): TypedArray;
  from(a: ArrayLike<number>): TypedArray;
} {
  switch (dtype) {
    case 'float32':
      return Float32Array;
    case 'int64':
      return Float64Array;
    case 'int32':
    case 'qint32':
      return Int32Array;
    case 'int8':
    case 'qint8':
      return Int8Array;
    case 'uint8':
    case 'quint8':
    case 'bool':
      return Uint8Array;
  }
}

export function alloc(dtype: DType, n: number): TypedArray {
  return new (storage_ctor(dtype))(n);
}

export function is_quantized_dtype(dtype: DType): dtype is QuantDType {
  return dtype === 'quint8' || dtype === 'qint8' || dtype === 'qint32';
}

export function is_floating_dtype(dtype: DType): dtype is FloatDType {
  return dtype === 'float32';
}

/** The plain integer dtype that holds a quantized dtype's representation (int_repr). */
export function repr_dtype(dtype: QuantDType): 'uint8' | 'int8' | 'int32' {
  return dtype === 'quint8' ? 'uint8' : dtype === 'qint8' ? 'int8' : 'int32';
}

/** Integer range of a quantized dtype, as torch defines it. */
export function dtype_range(dtype: QuantDType): [number, number] {
  if (dtype === 'quint8') return [0, 255];
  if (dtype === 'qint8') return [-128, 127];
  return [-2147483648, 2147483647];
}
