/**
 * torch.ao.ns._numeric_suite (eager numeric suite): compare_weights on two state dicts and
 * compare_model_outputs on modules of the same qualified name in a float and a quantized model.
 * Quantized tensors are kept as they are (the metrics dequantize); a layer fused by fuse_fx/prepare_fx
 * (conv+bn+relu) only matches the quantized one when the float model is fused too — pass fuse_fx(model).
 */

import { no_grad } from '../../runtime/autograd/grad_mode.js';
import { Module } from '../../runtime/nn/module.js';
import { Tensor } from '../../runtime/tensor/tensor.js';

/** compare_weights result: per weight key, the float and the quantized tensor. */
export type WeightComparison = Record<string, { float: Tensor; quantized: Tensor }>;

/**
 * Pairs each `*.weight` (and `*_packed_params.weight`) entry of the quantized state dict with the float
 * state dict's entry of the same key, or `<module>.0.weight` of a fused float module (torch's
 * compare_weights). Keys only in one dict are skipped.
 */
export function compare_weights(
  float_dict: Record<string, Tensor>,
  quantized_dict: Record<string, Tensor>,
): WeightComparison {
  const out: WeightComparison = {};
  for (const [key, q] of Object.entries(quantized_dict)) {
    if (!(key === 'weight' || key.endsWith('.weight'))) continue;
    const fkey = key.replace(/\._packed_params\.weight$/, '.weight');
    // a float fused module (ConvReLU2d = Sequential(conv, relu)) keeps the weight of its first child
    const f = float_dict[fkey] ?? float_dict[fkey.replace(/weight$/, '0.weight')];
    if (f === undefined) continue;
    if (f.numel() !== q.numel())
      throw new Error(
        `compare_weights: '${key}' has ${q.numel()} elements in the quantized dict but ${f.numel()} in the float dict ('${fkey}')`,
      );
    out[fkey] = { float: f, quantized: q };
  }
  return out;
}

/** Records every output of the module it wraps (torch.ao.ns._numeric_suite.OutputLogger). */
export class OutputLogger extends Module {
  /** Outputs of each forward call, in order. */
  stats: Tensor[] = [];
  forward(x: Tensor): Tensor {
    this.stats.push(x);
    return x;
  }
}

/** compare_model_outputs result: per module name, the float and the quantized outputs of each call. */
export type OutputComparison = Record<string, { float: Tensor[]; quantized: Tensor[] }>;

/** Options of compare_model_outputs. */
export interface CompareModelOutputsOptions {
  /** Only these module names (default: every leaf module of the quantized model also in the float one). */
  allow_list?: string[];
}

function leaf_modules(m: Module): Map<string, Module> {
  const out = new Map<string, Module>();
  for (const [name, sub] of m.named_modules()) if (name && [...sub.children()].length === 0) out.set(name, sub);
  return out;
}

/**
 * Runs both models on `inputs` and returns, for each module name present in both, the outputs each
 * produced (torch's compare_model_outputs, with loggers attached by wrapping forward for the call).
 * `inputs` is one tensor (torch's `compare_model_outputs(f, q, x)`) or the array of a call's arguments
 * (torch's `*data` from a tuple).
 */
export function compare_model_outputs(
  float_model: Module,
  q_model: Module,
  inputs: Tensor | readonly unknown[],
  options: CompareModelOutputsOptions = {},
): OutputComparison {
  if (!(inputs instanceof Tensor) && !Array.isArray(inputs))
    throw new TypeError(
      `compare_model_outputs: inputs must be a Tensor or an array of a call's arguments, got ${inputs === null ? 'null' : typeof inputs}`,
    );
  const args: unknown[] = inputs instanceof Tensor ? [inputs] : [...inputs];
  const fl = leaf_modules(float_model);
  const ql = leaf_modules(q_model);
  const names = options.allow_list ?? [...ql.keys()].filter((n) => fl.has(n));
  for (const n of names) {
    if (!fl.has(n)) throw new Error(`compare_model_outputs: module '${n}' is not in the float model`);
    if (!ql.has(n)) throw new Error(`compare_model_outputs: module '${n}' is not in the quantized model`);
  }
  const out: OutputComparison = {};
  const restore: (() => void)[] = [];
  const hook = (m: Module, sink: Tensor[]): void => {
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const orig = m.forward.bind(m) as (...a: unknown[]) => unknown;
    (m as unknown as { forward: (...a: unknown[]) => unknown }).forward = (...a: unknown[]) => {
      const y = orig(...a);
      sink.push(y as Tensor);
      return y;
    };
    restore.push(() => {
      if (own) Object.defineProperty(m, 'forward', own);
      else delete (m as unknown as { forward?: unknown }).forward;
    });
  };
  for (const n of names) {
    out[n] = { float: [], quantized: [] };
    hook(fl.get(n) as Module, out[n].float);
    hook(ql.get(n) as Module, out[n].quantized);
  }
  try {
    no_grad(() => {
      float_model.call(...args);
      q_model.call(...args);
    });
  } finally {
    for (const r of restore) r();
  }
  return out;
}
