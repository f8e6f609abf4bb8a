/**
 * convert_fx (torch.ao.quantization.quantize_fx, PyTorch 1.13): calibrated observers → quantize /
 * dequantize (compiler/passes/convert_observers: the reference model), then — unless is_reference — the int8
 * lowering (compiler/passes/lower_to_int8), redundant pair removal (compiler/passes/remove_redundant_qdq) and dead code
 * elimination. The prepared model is not modified: convert works on a copy.
 */

import { get_backend } from '../../runtime/backends/registry.js';
import type { Module } from '../../runtime/nn/module.js';
import { is_qat_module } from '../../runtime/nn/qat/mappings.js';
import { FakeQuantizeBase } from '../../runtime/quant/fake_quantize.js';
import { BackendConfig } from '../../runtime/quantized/op_catalogue/index.js';
import { Conv2dPackedParams, LinearPackedParams } from '../../runtime/quantized/packed_params.js';
import { Tensor } from '../../runtime/tensor/tensor.js';
import { GraphModule } from '../ir/graph_module.js';
import { cat_shared_qparams } from '../passes/cat_shared_qparams.js';
import { convert_observers } from '../passes/convert_observers.js';
import { fold_clamps } from '../passes/fold_clamps.js';
import { fuse_float_islands } from '../passes/fuse_float_islands.js';
import { lower_tensor_metadata } from '../passes/lower_tensor_metadata.js';
import { lower_to_int8 } from '../passes/lower_to_int8.js';
import { reference_weights } from '../passes/reference_weights.js';
import { remove_redundant_qdq } from '../passes/remove_redundant_qdq.js';
import { copy_graph_module } from './copy_graph_module.js';
import { ConvertCustomConfig, type ConvertCustomConfigDict, copy_preserved_attributes } from './custom_config.js';
import { get_prepared_backend_config, get_quantization_warnings, set_quantization_warnings } from './prepare.js';
import { check_prepared_for_convert } from './stage.js';

/** Keyword options of convert_fx. */
export interface ConvertFxOptions {
  /** Keep float ops between quantize / dequantize (weights quantized → dequantized): torch's reference model. */
  is_reference?: boolean;
  /** Prepack the int8 weights for this kernel backend now (default: the current backend only). */
  backend?: 'js' | 'wasm';
  convert_custom_config?: ConvertCustomConfig | ConvertCustomConfigDict | null;
  /** Print each "kept in float" warning with console.warn (default true). */
  warn?: boolean;
  /**
   * Fold each relu / relu6 / hardtanh that keeps its producer's qparams into that int8 conv's or linear's output
   * clamp (compiler/passes/fold_clamps.ts): bit-identical outputs, one pass over the activation less, but a graph with fewer
   * nodes than PyTorch's converted one (default: the backend config's `fold_clamps` change — off in the parity
   * config, PyTorch's graph; on in get_fxq_backend_config()).
   */
  fold_clamps?: boolean;
  /** torch's backend_config (default: the one the model was prepared with; see PrepareFxOptions). */
  backend_config?: BackendConfig;
  /**
   * Replace each dequantize → softmax(dim −1) / exact GELU / x[…] / flatten → quantize_per_tensor island by its int8
   * form (quantized.softmax_island / gelu_island / requantize; compiler/passes/fuse_float_islands.ts): PyTorch 1.13's
   * float32 order without the float tensor, bit-identical to the islands run under set_fp32_numerics('pytorch_x86_zen5'), fewer
   * nodes than PyTorch's graph (default: the backend config's `fuse_float_islands` change, off in the parity config).
   */
  fuse_float_islands?: boolean;
  /**
   * Check every forward input for NaN / ±Inf and throw an Error naming the input (default false: like
   * PyTorch, the int8 model quantizes NaN silently — see README "NaN and Inf inputs"). The check is a
   * graph node (`assert_finite`), so it is saved and loaded with the model.
   */
  check_inputs?: boolean;
}

/** Puts assert_finite(x, 'x') after the inputs and makes every use of x read the checked value. */
function insert_input_checks(gm: GraphModule): void {
  const graph = gm.graph;
  const inputs = graph.find_nodes({ op: 'placeholder' }).filter((p) => p.args.length === 0);
  const last = inputs[inputs.length - 1];
  if (!last) return;
  graph.inserting_after(last, () => {
    for (const x of inputs) {
      const checked = graph.call_function('assert_finite', [x, x.target]);
      x.replace_all_uses_with(checked, (u) => u !== checked);
    }
  });
}

/** Deletes buffers of gm that no get_attr node reads any more (qparams of removed quantize nodes). */
function drop_unused_buffers(gm: GraphModule): void {
  const read = new Set(gm.graph.nodes.filter((n) => n.op === 'get_attr').map((n) => n.target));
  for (const [name, t] of [...gm.named_buffers('', false)]) {
    if (t instanceof Tensor && !read.has(name) && /_(scale|zero_point)_\d+$/.test(name)) {
      delete (gm as unknown as Record<string, unknown>)[name];
      (gm as unknown as { _buffer_names: Set<string> })._buffer_names.delete(name);
    }
  }
}

function prepack(gm: Module, backend: 'js' | 'wasm'): void {
  const be = get_backend(backend);
  for (const [path, m] of gm.named_modules()) {
    for (const v of Object.values(m)) {
      if (v instanceof LinearPackedParams || v instanceof Conv2dPackedParams) v.packed(be, `convert_fx: '${path}'`);
    }
  }
}

/**
 * convert_fx(prepared, { is_reference?, backend? }): the quantized GraphModule — int8 modules and
 * 'quantized.*' ops between a quantize_per_tensor at each entry into a quantized region and a
 * dequantize at each exit. Throws if an observer saw no calibration data (naming it and its node).
 */
export function convert_fx(prepared: GraphModule, options: ConvertFxOptions = {}): GraphModule {
  if (!(prepared instanceof GraphModule))
    throw new Error(
      `convert_fx: expected the GraphModule returned by prepare_fx, got ${(prepared as object)?.constructor?.name}`,
    );
  check_prepared_for_convert(prepared);
  // torch reads the BatchNorm running statistics and the fake-quant qparams as they are at convert; a model
  // still training would keep updating them, so the caller must freeze them first
  const training = [...prepared.named_modules()].find(
    ([, m]) => m.training && (is_qat_module(m) || m instanceof FakeQuantizeBase),
  );
  if (training)
    throw new Error(
      `convert_fx: the prepared model is in train mode ('${training[0]}' is a ${training[1].constructor.name} in train mode); call prepared.eval() before convert_fx — BatchNorm statistics and fake-quant qparams are frozen at convert`,
    );
  const custom =
    options.convert_custom_config instanceof ConvertCustomConfig
      ? options.convert_custom_config
      : ConvertCustomConfig.from_dict(options.convert_custom_config ?? {});
  if (options.backend !== undefined) get_backend(options.backend); // unknown / unloaded backends fail first
  const config = options.backend_config ?? get_prepared_backend_config(prepared);
  if (!(config instanceof BackendConfig))
    throw new Error(`convert_fx: backend_config must be a BackendConfig, got ${String(config)}`);
  const gm = copy_graph_module(prepared);
  const warnings = get_quantization_warnings(prepared);
  convert_observers(gm);
  if (config.has('cat_shared_qparams')) cat_shared_qparams(gm);
  if (options.is_reference) reference_weights(gm);
  else {
    lower_to_int8(gm, warnings);
    remove_redundant_qdq(gm);
    lower_tensor_metadata(gm);
  }
  gm.graph.eliminate_dead_code();
  // after dead code elimination: a dead quantize / dequantize still counts as a user of the conv
  if ((options.fold_clamps ?? config.has('fold_clamps')) && !options.is_reference) fold_clamps(gm);
  if ((options.fuse_float_islands ?? config.has('fuse_float_islands')) && !options.is_reference) fuse_float_islands(gm);
  if (options.check_inputs) insert_input_checks(gm);
  gm.delete_all_unused_submodules();
  drop_unused_buffers(gm);
  gm.graph.lint(gm);
  gm.recompile();
  gm.eval();
  if (!options.is_reference && options.backend) prepack(gm, options.backend);
  copy_preserved_attributes(prepared, gm, custom.preserved_attributes, 'convert_fx');
  const fresh = warnings.slice(get_quantization_warnings(prepared).length);
  if (options.warn ?? true) for (const w of fresh) console.warn(`convert_fx: ${w}`);
  set_quantization_warnings(gm, warnings);
  return gm;
}
