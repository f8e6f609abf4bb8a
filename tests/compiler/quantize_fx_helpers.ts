/** Shared by the quantize_fx tests: calibration data, golden vectors, per-node output capture. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { Interpreter } from '../../compiler/ir/interpreter.js';
import type { Node } from '../../compiler/ir/node.js';
import { load_fashion_mnist, load_safetensors } from '../../runtime/io/index.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

const here = dirname(fileURLToPath(import.meta.url));
export const GOLDEN_DIR = join(here, '../fixtures/reference/golden');
export const DATA_DIR = join(here, '../../examples/data/fashion-mnist');

/** The reference's calibration set: the first `n` (≤ 1000) training images, in order. */
export function calibration_images(n = 1000): Tensor {
  const { images } = load_fashion_mnist(DATA_DIR, 'train-first1000');
  return new Tensor((images.data as Float32Array).slice(0, n * 784), [n, 1, 28, 28], 'float32');
}

/** Runs `images` through the observed model in batches of `batch` (the reference uses 50), in order. */
export function calibrate(gm: GraphModule, images: Tensor, batch = 50): void {
  const n = images.shape[0];
  for (let b = 0; b < n; b += batch) {
    const m = Math.min(batch, n - b);
    gm.forward(new Tensor((images.data as Float32Array).slice(b * 784, (b + m) * 784), [m, 1, 28, 28], 'float32'));
  }
}

/**
 * calibrate, yielding to the event loop between batches: a long calibration (the pytorch_x86 golden runs take
 * about a minute on a loaded 2-core machine) must not block the vitest worker past its RPC timeout.
 */
export async function calibrate_yielding(gm: GraphModule, images: Tensor, batch = 50): Promise<void> {
  const n = images.shape[0];
  for (let b = 0; b < n; b += batch) {
    calibrate(
      gm,
      new Tensor(
        (images.data as Float32Array).slice(b * 784, Math.min(n, b + batch) * 784),
        [Math.min(batch, n - b), 1, 28, 28],
        'float32',
      ),
      batch,
    );
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A golden file pair: tensors and JSON. */
export function load_golden(name: string): { t: Record<string, Tensor>; json: Record<string, unknown> } {
  return {
    t: load_safetensors(join(GOLDEN_DIR, `${name}.safetensors`)),
    json: JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8')),
  };
}

/** Every node's output (by node name) of one run of gm. */
export function node_outputs(gm: GraphModule, ...args: unknown[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  class Capture extends Interpreter {
    run_node(node: Node): unknown {
      const v = super.run_node(node);
      out.set(node.name, v);
      return v;
    }
  }
  new Capture(gm).run(...args);
  return out;
}

/** Bytes of a state_dict's tensor data (quantized tensors count their int8 storage). */
export function state_dict_bytes(sd: Record<string, Tensor>): number {
  let n = 0;
  for (const t of Object.values(sd))
    n += (t.data as ArrayLike<number> & { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * t.numel();
  return n;
}
