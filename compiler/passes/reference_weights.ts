/**
 * Contract: reference_weights(gm) — for the reference model (convert_fx is_reference): every float
 * module that convert would make int8 (node.meta.quant with a module lowering, or node.meta.dynamic)
 * gets each weight replaced by dequantize(quantize(weight)) with its qconfig's weight observer, so the
 * float ops compute with exactly the int8 weights. A QAT module (nn.qat / nn.intrinsic.qat) is first
 * replaced by its to_float() (BatchNorm folded in for ConvBn / LinearBn) and its weights take the trained
 * weight_fake_quant's qparams, as torch's convert does. Mutates modules in place; graph nodes unchanged.
 *
 *   before:  conv1.weight = w                      after:  conv1.weight = dequantize(quantize_per_tensor(w, s_w, 0, qint8))
 */

import type { Module } from '../../runtime/nn/module.js';
import { is_qat_module } from '../../runtime/nn/qat/mappings.js';
import { type QConfig, weight_is_float_qparams } from '../../runtime/quant/qconfig.js';
import { dequantize } from '../../runtime/quant/qtensor.js';
import { fake_quantize_rows } from '../../runtime/quantized/embedding_pack.js';
import { quantize_weight } from '../../runtime/quantized/modules/from_float.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import type { GraphModule } from '../ir/graph_module.js';
import type { QuantMeta } from './insert_observers.js';

/** The float weight tensors of a module and its children: `weight` of Linear / Conv, `weight_ih_l0` … of RNNs. */
function weights_of(mod: Module): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  for (const [name, p] of mod.named_parameters()) {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    if (leaf === 'weight' || leaf.startsWith('weight_ih') || leaf.startsWith('weight_hh')) out.push([name, p]);
  }
  return out;
}

/** Fake-quantizes the weights of the modules convert would quantize (see the header); returns gm. */
export function reference_weights(gm: GraphModule): GraphModule {
  for (const node of gm.graph.nodes) {
    if (node.op !== 'call_module') continue;
    const meta = node.meta.quant as QuantMeta | undefined;
    const is_weighted = meta?.row.lowering.kind === 'module' || node.meta.dynamic !== undefined;
    if (!is_weighted) continue;
    const q = node.meta.qconfig as QConfig;
    let mod = gm.get_submodule(node.target);
    let trained_observer: unknown = null;
    if (is_qat_module(mod)) {
      trained_observer = (mod as unknown as { weight_fake_quant: unknown }).weight_fake_quant;
      mod = (mod as unknown as { to_float(): Module }).to_float();
      gm.set_submodule(node.target, mod);
    }
    // embeddings (float_qparams_weight_only_qconfig): row-wise float qparams, as torch's reference Embedding
    if (weight_is_float_qparams(q)) {
      const w = (mod as unknown as { weight: Tensor }).weight;
      const obs = q.weight() as unknown as {
        forward(t: Tensor): Tensor;
        calculate_qparams(): [Tensor, Tensor];
        dtype: string;
      };
      obs.forward(w);
      const [s, z] = obs.calculate_qparams();
      const [rows, dim] = w.shape;
      const qmax = obs.dtype === 'quint4x2' ? 15 : 255;
      w.data.set(
        fake_quantize_rows(w.data as Float32Array, rows, dim, s.data as Float32Array, z.data as Float32Array, qmax),
      );
      continue;
    }
    for (const [name, w] of weights_of(mod)) {
      const where = `convert_fx(is_reference): '${node.target}.${name}'`;
      const observer = (trained_observer ?? q.weight()) as never;
      const qw = quantize_weight(new Tensor(Float32Array.from(w.data), w.shape, 'float32'), observer, where);
      w.data.set(dequantize(qw).data);
    }
  }
  return gm;
}
