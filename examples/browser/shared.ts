/** What both pages share: fetching files next to the page, Fashion-MNIST from IDX bytes, drawing, timing. */
import {
  FASHION_MNIST_CLASSES,
  fashion_mnist_from_raw,
  fashion_mnist_raw_from_bytes,
  type fx,
  init_wasm,
  set_backend,
  type Tensor,
} from '../../browser.js';

/** The bytes of a file served next to the page. */
export async function fetch_bytes(path: string): Promise<Uint8Array> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`fetching ${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A Fashion-MNIST split from its gzip IDX files under data/: raw pixels, normalised images, labels. */
export async function load_split(
  prefix: 't10k' | 'train-first1000',
): Promise<{ pixels: Uint8Array; images: Tensor; labels: Int32Array }> {
  const images = `data/${prefix}-images-idx3-ubyte.gz`;
  const labels = `data/${prefix}-labels-idx1-ubyte.gz`;
  const raw = fashion_mnist_raw_from_bytes({
    images: await fetch_bytes(images),
    labels: await fetch_bytes(labels),
    images_source: images,
    labels_source: labels,
  });
  const set = fashion_mnist_from_raw(raw);
  return { pixels: raw.pixels.data as Uint8Array, images: set.images, labels: Int32Array.from(raw.labels.data) };
}

/** The wasm kernels from wasm/simd.wasm (baseline SIMD: the build Node 20 runs, so fp32 bits match Node's). */
export async function start_wasm(): Promise<void> {
  await init_wasm({ variant: 'simd', source: new URL('wasm/simd.wasm', location.href) });
}

/**
 * Milliseconds per call of `fn`: the median of 5 rounds of ≥ `round_ms` each, after ≥ 300 ms of warm-up (V8
 * compiles hot wasm and JS in tiers: the first calls run unoptimised code).
 */
export function time_ms(fn: () => unknown, round_ms = 60): number {
  const run_for = (ms: number): number => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms || n < 2) {
      fn();
      n++;
      t = performance.now();
    }
    return (t - t0) / n;
  };
  run_for(300);
  const rounds = Array.from({ length: 5 }, () => run_for(round_ms)).sort((a, b) => a - b);
  return rounds[2];
}

/** A saved model run on both backends: its logits of `x` on each, batch-1 latency of `x1`, predictions. */
export function run_on_both_backends(
  q: fx.GraphModule,
  x: Tensor,
  x1: Tensor,
): { logits: { js: number[]; wasm: number[] }; ms_b1: { js: number; wasm: number }; predicted: number[] } {
  const logits = { js: [] as number[], wasm: [] as number[] };
  const ms_b1 = { js: 0, wasm: 0 };
  let predicted: number[] = [];
  for (const backend of ['js', 'wasm'] as const) {
    set_backend(backend);
    const y = q.forward(x) as Tensor;
    logits[backend] = Array.from(y.data as Float32Array);
    predicted = argmax_rows(y);
    ms_b1[backend] = time_ms(() => q.forward(x1));
  }
  return { logits, ms_b1, predicted };
}

/** Top-1 class of each row of [N, 10] logits. */
export function argmax_rows(logits: Tensor): number[] {
  const y = logits.is_quantized ? logits.dequantize() : logits;
  const d = y.data as Float32Array;
  const c = y.shape[1];
  const out: number[] = [];
  for (let i = 0; i < y.shape[0]; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (d[i * c + k] > d[i * c + best]) best = k;
    out.push(best);
  }
  return out;
}

/** Draws images 0..n-1 of `pixels` (uint8 28×28 each) in a grid with the predicted label (and the true one when wrong). */
export function draw_predictions(
  canvas: HTMLCanvasElement,
  pixels: Uint8Array,
  predicted: readonly number[],
  truth: Int32Array,
): void {
  const per_row = 8;
  const cell = 84; // 28 px × 2 plus room for the label
  const n = predicted.length;
  canvas.width = per_row * cell;
  canvas.height = Math.ceil(n / per_row) * (cell + 14) + 4;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const img = ctx.createImageData(28, 28);
  const tile = document.createElement('canvas');
  tile.width = 28;
  tile.height = 28;
  const tctx = tile.getContext('2d') as CanvasRenderingContext2D;
  ctx.imageSmoothingEnabled = false;
  ctx.font = '11px sans-serif';
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 784; p++) {
      const v = 255 - pixels[i * 784 + p];
      img.data.set([v, v, v, 255], p * 4);
    }
    tctx.putImageData(img, 0, 0);
    const x = (i % per_row) * cell + 14;
    const y = Math.floor(i / per_row) * (cell + 14) + 4;
    ctx.drawImage(tile, x, y, 56, 56);
    const ok = predicted[i] === truth[i];
    ctx.fillStyle = ok ? '#176b2c' : '#b3261e';
    ctx.fillText(`${FASHION_MNIST_CLASSES[predicted[i]]}${ok ? '' : ' ✗'}`, x - 10, y + 70);
    if (!ok) {
      ctx.fillStyle = '#666';
      ctx.fillText(`(${FASHION_MNIST_CLASSES[truth[i]]})`, x - 10, y + 83);
    }
  }
}

/** Puts `text` into the element with id `id`. */
export function show(id: string, text: string): void {
  const el = document.getElementById(id);
  if (el) el.textContent = text;
}
