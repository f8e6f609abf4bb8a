/**
 * qgather: y[i] = x[offset + Σ idx·strides] over `shape`, row-major — permute / transpose of quint8 tensors
 * (the js reference; wasm: assembly/qgather.ts). merge_gather_dims is shared with the wasm loader.
 */

/** Drops size-1 dims and merges dims the source walks as one (stride[d] = stride[d+1]·size[d+1]). */
export function merge_gather_dims(shape: readonly number[], strides: readonly number[]): [number[], number[]] {
  const sh: number[] = [];
  const st: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sh.length - 1;
    if (last >= 0 && st[last] === strides[d] * shape[d]) {
      sh[last] *= shape[d];
      st[last] = strides[d];
    } else {
      sh.push(shape[d]);
      st.push(strides[d]);
    }
  }
  return [sh, st];
}

/** Checks qgather's arguments; returns the element count. */
export function check_qgather(
  name: string,
  x: Uint8Array,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  y: Uint8Array | undefined,
): number {
  if (shape.length !== strides.length)
    throw new Error(`${name}: shape has ${shape.length} dims but strides ${strides.length}`);
  let total = 1;
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    if (!Number.isInteger(shape[d]) || shape[d] < 0 || !Number.isInteger(strides[d]) || strides[d] < 0)
      throw new Error(`${name}: shape / strides must be non-negative integers, got [${shape}] / [${strides}]`);
    total *= shape[d];
    last += (shape[d] - 1) * strides[d];
  }
  if (total > 0 && (!Number.isInteger(offset) || offset < 0 || last >= x.length))
    throw new Error(`${name}: the view reads up to element ${last} of a ${x.length}-element input`);
  if (y && y.length !== total) throw new Error(`${name}: output has ${y.length} elements, expected ${total}`);
  return total;
}

export function qgather(
  x: Uint8Array,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  y?: Uint8Array,
): Uint8Array {
  const total = check_qgather('js.qgather', x, offset, shape, strides, y);
  const out = y ?? new Uint8Array(total);
  if (total === 0) return out;
  const [sh, st] = merge_gather_dims(shape, strides);
  const n = sh.length;
  if (n === 0) {
    out[0] = x[offset];
    return out;
  }
  const inner = sh[n - 1];
  const step = st[n - 1];
  const idx = new Array<number>(n).fill(0);
  let base = offset;
  for (let io = 0; io < total; io += inner) {
    for (let k = 0; k < inner; k++) out[io + k] = x[base + k * step];
    for (let d = n - 2; d >= 0; d--) {
      idx[d]++;
      base += st[d];
      if (idx[d] < sh[d]) break;
      base -= st[d] * sh[d];
      idx[d] = 0;
    }
  }
  return out;
}
