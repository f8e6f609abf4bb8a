/** Shared by the golden tests: load PyTorch's golden vectors (copied into tests/fixtures) as Tensors. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load_safetensors } from '../../../runtime/io/index.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';

const here = dirname(fileURLToPath(import.meta.url));
export const GOLDEN_DIR = join(here, '../../fixtures/reference/golden');
export const QUANTIZED_FIXTURES = join(here, '../../fixtures/quantized');

export interface GraphNode {
  name: string;
  op: string;
  target: string;
  args: unknown[];
  module_type?: string;
  weighted?: boolean;
  kernel_size?: number;
  stride?: number;
  padding?: number;
  output_size?: number;
  out?: { key: string; shape: number[]; scale: number; zero_point: number };
}

export interface Golden {
  t: Record<string, Tensor>;
  json: { graph_nodes: GraphNode[]; quantized_weighted_modules: Record<string, Record<string, unknown>> } & Record<
    string,
    unknown
  >;
}

export function load_golden(name: string): Golden {
  const t = load_safetensors(join(GOLDEN_DIR, `${name}.safetensors`));
  const json = JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8'));
  return { t, json };
}

/** The quint8 tensor PyTorch produced under `key` (module/<name> or node/<name>), with its shape from the graph. */
export function golden_q(g: Golden, key: string, shape?: number[]): Tensor {
  const data = g.t[`${key}/out_int`].data as Uint8Array;
  const scale = g.t[`${key}/out_scale`].data[0];
  const zp = g.t[`${key}/out_zero_point`].data[0];
  return make_qtensor(data, shape ?? g.t[`${key}/out_int`].shape, 'quint8', scale, zp);
}

/** Fraction of equal elements and the largest absolute difference. */
export function compare_u8(a: ArrayLike<number>, b: ArrayLike<number>): { exact: number; max_diff: number } {
  let eq = 0;
  let mx = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d === 0) eq++;
    if (d > mx) mx = d;
  }
  return { exact: eq / a.length, max_diff: mx };
}
