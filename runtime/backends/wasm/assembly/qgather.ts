// Strided byte gather for permute / transpose of quint8 tensors: y[i] = x[Σ idx·stride] over `nd` dims in
// row-major order (dims as (size, stride) i32 pairs, already merged by the loader); the innermost dim is one
// memory.copy when contiguous, else a byte loop. idx: nd i32 of scratch.
export function gather_u8(x: usize, dims: usize, nd: i32, y: usize, idx: usize): void {
  const inner = load<i32>(dims + ((<usize>(nd - 1)) << 3));
  const step = load<i32>(dims + ((<usize>(nd - 1)) << 3) + 4);
  let total: i32 = 1;
  for (let d = 0; d < nd; d++) {
    total *= load<i32>(dims + (<usize>d << 3));
    store<i32>(idx + (<usize>d << 2), 0);
  }
  let base: usize = x;
  for (let io = 0; io < total; io += inner) {
    const dst = y + <usize>io;
    if (step == 1) memory.copy(dst, base, <usize>inner);
    else for (let k = 0; k < inner; k++) store<u8>(dst + <usize>k, load<u8>(base + <usize>(k * step)));
    for (let d = nd - 2; d >= 0; d--) {
      const p = idx + (<usize>d << 2);
      const size = load<i32>(dims + (<usize>d << 3));
      const stride = load<i32>(dims + (<usize>d << 3) + 4);
      const v = load<i32>(p) + 1;
      base += <usize>stride;
      if (v < size) {
        store<i32>(p, v);
        break;
      }
      base -= <usize>(stride * size);
      store<i32>(p, 0);
    }
  }
}
