/**
 * Deep-copying int8 models whose weights are prepacked for a backend: the copy keeps the weights but not
 * the packed layouts (a wasm layout lives in one instance's memory), and packs its own on first use.
 * Regression: deepcopy of a converted FmnistCNN that had run on wasm failed with "packed by another wasm instance".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphModule } from '../../../compiler/ir/graph_module.js';
import { convert_fx } from '../../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../../compiler/quantize_fx/prepare.js';
import { FmnistCNN, load_weights } from '../../../examples/models/fmnist_cnn.js';
import { get_backend, set_backend } from '../../../runtime/backends/registry.js';
import { load_wasm_backend, type WasmPackedQWeight } from '../../../runtime/backends/wasm/index.js';
import { deepcopy } from '../../../runtime/nn/utils/deepcopy.js';
import { get_default_qconfig } from '../../../runtime/quant/qconfig.js';
import { Linear } from '../../../runtime/quantized/modules/linear.js';
import { LinearPackedParams } from '../../../runtime/quantized/packed_params.js';
import { make_qtensor } from '../../../runtime/quantized/qtensor.js';
import { Tensor } from '../../../runtime/tensor/tensor.js';
import { calibrate, calibration_images, node_outputs } from '../../compiler/quantize_fx_helpers.js';

const wasm = load_wasm_backend();
afterAll(() => set_backend('js'));

/** Every quantized node output of one run, as `name: bytes` lines (the logits' float bytes at the end). */
function int8_trace(gm: GraphModule, x: Tensor): string[] {
  const lines: string[] = [];
  for (const [name, v] of node_outputs(gm, x)) {
    if (v instanceof Tensor && (v.is_quantized || name === 'output'))
      lines.push(`${name}: ${Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).toString('hex')}`);
  }
  return lines;
}

describe('deepcopy of a converted int8 model after it ran on wasm', () => {
  const images = calibration_images(20);
  const x = new Tensor((images.data as Float32Array).slice(0, 8 * 784), [8, 1, 28, 28], 'float32');
  let q: GraphModule;
  let on_wasm: string[];
  beforeAll(() => {
    set_backend('js');
    const prepared = prepare_fx(load_weights(new FmnistCNN()).eval(), { '': get_default_qconfig('qnnpack') }, [x]);
    calibrate(prepared, images, 10);
    q = convert_fx(prepared);
    set_backend('wasm');
    on_wasm = int8_trace(q, x);
  });

  it('the copy runs on wasm and on js with the original’s bytes at every int8 node', () => {
    expect(on_wasm.length).toBeGreaterThanOrEqual(8);
    const copy = deepcopy(q);
    set_backend('wasm');
    expect(int8_trace(copy, x)).toEqual(on_wasm);
    set_backend('js');
    expect(get_backend().name).toBe('js');
    expect(int8_trace(copy, x)).toEqual(on_wasm);
    // and the original is unaffected by its copy
    set_backend('wasm');
    expect(int8_trace(q, x)).toEqual(on_wasm);
  });

  it('the copy packs its own wasm layout, over its own weight storage', () => {
    const copy = deepcopy(q);
    const fc_a = q.get_submodule('fc2') as Linear;
    const fc_b = copy.get_submodule('fc2') as Linear;
    expect(fc_b).toBeInstanceOf(Linear);
    expect(fc_b._packed_params).toBeInstanceOf(LinearPackedParams);
    expect(fc_b._packed_params).not.toBe(fc_a._packed_params);
    expect(fc_b.weight().data).not.toBe(fc_a.weight().data);
    expect([...fc_b.weight().data]).toEqual([...fc_a.weight().data]);
    const pa = fc_a._packed_params.packed(wasm) as WasmPackedQWeight;
    const pb = fc_b._packed_params.packed(wasm) as WasmPackedQWeight;
    expect(pb).not.toBe(pa);
    expect(pb.owner).toBe(wasm.instance); // in the backend's memory, not a copy of the instance
    expect(pb.ptr).not.toBe(pa.ptr); // its own rows, which the original's finalizer does not free
    expect(fc_b._packed_params.packed(wasm)).toBe(pb); // packed once, then cached
  });
});

describe('LinearPackedParams.__deepcopy__', () => {
  it('keeps sharing within one copy (memo) and copies the bias', () => {
    set_backend('wasm');
    const w = make_qtensor(Int8Array.of(1, -2, 3, -4, 5, -6), [2, 3], 'qint8', 0.5, 0);
    const b = new Tensor(Float32Array.of(0.25, -1), [2], 'float32');
    const p = new LinearPackedParams(w, b);
    const c = deepcopy({ a: p, again: p, w });
    expect(c.a).toBe(c.again);
    expect(c.a.weight).toBe(c.w); // the weight reached twice stays one tensor in the copy
    expect(c.a.bias).not.toBe(b);
    expect([...(c.a.bias as Tensor).data]).toEqual([0.25, -1]);
    expect(c.a.packed(wasm)).not.toBe(p.packed(wasm));
    expect((c.a.packed(wasm) as WasmPackedQWeight).owner).toBe(wasm.instance);
    expect(c.a.packed(wasm).n).toBe(2);
    expect(c.a.packed(wasm).k).toBe(3);
  });
});
