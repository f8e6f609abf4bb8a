// The ONNX bytes parse back with the same protobuf schema, pass the structural check, and carry fxq's
// integers and qparams; bad input (an op without ONNX form, a prepared-only model, int8 asked of a float
// model, a missing folder) is a clear error and writes nothing.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { model_problems } from '../../../compiler/export/onnx/check.js';
import { export_onnx_bytes, export_onnx_model } from '../../../compiler/export/onnx/export.js';
import { export_onnx } from '../../../compiler/export/onnx/node/export_file.js';
import { DataType, type Dim, decode_model, type ModelProto } from '../../../compiler/export/onnx/schema.js';
import { image_batch, load_calibration_images } from '../../../examples/lib/fmnist_data.js';
import { build_cases } from '../../../examples/lib/onnx_cases.js';
import { get_example_model } from '../../../examples/models/index.js';
import { type fx, nn, no_grad, quantization, type Tensor } from '../../../index.js';
import { quantize_bias } from '../../../runtime/backends/js/int8/numerics.js';
import type { Conv2d as QConv2d } from '../../../runtime/quantized/modules/conv.js';

const cnn = get_example_model('fmnist_cnn');
const [fp32, per_tensor, per_channel] = build_cases('fmnist_cnn', 50);
const tmp = mkdtempSync(join(tmpdir(), 'fxq-onnx-'));

/** A decoded dimension: its symbolic name, else its size (decoding fills both fields). */
const dim = (d: Dim): string | number =>
  (d as { dim_param?: string }).dim_param || (d as { dim_value: number }).dim_value;

/** The first index where two arrays differ (-1: equal); cheap to report, unlike a typed-array diff. */
function first_mismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function initializer(m: ModelProto, name: string) {
  const t = m.graph.initializer.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
}
/** The DequantizeLinear node reading initializer `name`, and its scale initializer's values. */
function dq_of(m: ModelProto, name: string) {
  const node = m.graph.node.find((n) => n.op_type === 'DequantizeLinear' && n.input[0] === name);
  if (!node) throw new Error(`no DequantizeLinear of ${name}`);
  const s = initializer(m, node.input[1]);
  return {
    node,
    scales: new Float32Array(new Uint8Array(s.raw_data).buffer),
    axis: node.attribute.find((a) => a.name === 'axis')?.i,
  };
}

describe('round trip through the protobuf schema', () => {
  it.each([fp32, per_tensor, per_channel])('$kind FmnistCNN parses back and passes the structural check', (c) => {
    const bytes = export_onnx_bytes(c.model, cnn.example_inputs(), {
      input_names: ['input'],
      output_names: ['logits'],
    });
    const m = decode_model(bytes);
    expect(model_problems(m)).toEqual([]);
    expect(m.opset_import).toEqual([{ domain: '', version: 13 }]);
    expect(m.graph.input.map((i) => i.name)).toEqual(['input']);
    expect(m.graph.output.map((o) => o.name)).toEqual(['logits']);
    expect(m.graph.input[0].type.tensor_type.shape.dim[0]).toMatchObject({ dim_param: 'batch' });
    expect(m.graph.output[0].type.tensor_type.shape.dim.map(dim)).toEqual(['batch', 10]);
    const kinds = new Set(m.graph.node.map((n) => n.op_type));
    expect(kinds.has('QuantizeLinear')).toBe(c.kind !== 'fp32');
  });

  it('int8 weights, int32 biases and per-channel scales are fxq’s own', () => {
    for (const c of [per_tensor, per_channel]) {
      const m = decode_model(export_onnx_bytes(c.model, cnn.example_inputs()));
      const conv2 = (c.model as fx.GraphModule).get_submodule('conv2') as QConv2d;
      const w = initializer(m, 'conv2.weight_int8');
      expect(w.data_type).toBe(DataType.INT8);
      expect(w.dims).toEqual([64, 32, 3, 3]);
      expect(
        first_mismatch(new Int8Array(new Uint8Array(w.raw_data).buffer), conv2.weight().int_repr().data as Int8Array),
      ).toBe(-1);
      const wdq = dq_of(m, 'conv2.weight_int8');
      const q = conv2.weight().quantizer!;
      if (c.kind === 'int8 per-channel') {
        expect(q.kind).toBe('per_channel');
        expect(wdq.axis).toBe(0);
        expect(wdq.scales.length).toBe(64);
      } else expect(wdq.scales.length).toBe(1);
      const ws = q.kind === 'per_tensor' ? Float32Array.of(q.scale) : Float32Array.from(q.scales);
      // the input scale of conv2 = conv1's output scale (maxpool keeps it)
      const s_in = ((c.model as fx.GraphModule).get_submodule('conv1') as QConv2d).scale;
      const b = initializer(m, 'conv2.bias_int32');
      expect(b.data_type).toBe(DataType.INT32);
      const want = quantize_bias(conv2.bias()!.data as Float32Array, s_in, ws);
      expect(first_mismatch(new Int32Array(new Uint8Array(b.raw_data).buffer), want)).toBe(-1);
      const bdq = dq_of(m, 'conv2.bias_int32');
      expect(bdq.scales[0]).toBe(Math.fround(Math.fround(s_in) * ws[0]));
    }
  });

  it('the structural check finds a node reading an undefined value and a short initializer', () => {
    const m = export_onnx_model(per_tensor.model, cnn.example_inputs());
    const broken: ModelProto = { ...m, graph: { ...m.graph, node: m.graph.node.slice(1) } };
    expect(model_problems(broken).join('\n')).toMatch(/input '.*' is not defined before it/);
    const short = { ...m.graph.initializer[0], raw_data: new Uint8Array(1) };
    const bad: ModelProto = { ...m, graph: { ...m.graph, initializer: [short, ...m.graph.initializer.slice(1)] } };
    expect(model_problems(bad).join('\n')).toMatch(/1 bytes for shape/);
  });

  it('dynamic_axes {} gives static shapes; opset and names follow the options', () => {
    const m = decode_model(
      export_onnx_bytes(fp32.model, cnn.example_inputs(), {
        dynamic_axes: {},
        opset_version: 17,
        input_names: ['img'],
      }),
    );
    expect(m.opset_import[0].version).toBe(17);
    expect(m.ir_version).toBe(8);
    expect(decode_model(export_onnx_bytes(fp32.model, cnn.example_inputs(), { opset_version: 21 })).ir_version).toBe(
      10,
    );
    expect(m.graph.input[0].name).toBe('img');
    expect(m.graph.input[0].type.tensor_type.shape.dim.map(dim)).toEqual([1, 1, 28, 28]);
  });
});

// every nn layer has a row (GroupNorm got one with #16 part 2): `x.sum(1)` is still not exported
class WithSum extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x).sum(1);
  }
}

describe('bad input: a clear error, nothing written', () => {
  const x = [image_batch(load_calibration_images({ limit: 1 }).images, 0, 1)];

  it('an op without ONNX export names its node', () => {
    const f = join(tmp, 'sum.onnx');
    const m = new WithSum().eval();
    expect(() =>
      export_onnx(m, [new nn.Linear(1, 1).weight.detach().reshape(1, 1).expand(1, 4).contiguous()], f),
    ).toThrow(/no ONNX export for node 'sum' \(call_method sum/);
    expect(existsSync(f)).toBe(false);
  });

  it('a prepared model that was not converted', () => {
    const f = join(tmp, 'prepared.onnx');
    const prepared = quantization.prepare_fx(
      cnn.pretrained!().eval(),
      { '': quantization.get_default_qconfig('qnnpack') },
      x,
    );
    no_grad(() => prepared.call(x[0]));
    expect(() => export_onnx(prepared, x, f)).toThrow(/prepared but not converted \(run convert_fx/);
    expect(existsSync(f)).toBe(false);
  });

  it('int8 asked of a float model', () => {
    const f = join(tmp, 'float.onnx');
    expect(() => export_onnx(fp32.model, x, f, { dtype: 'int8' })).toThrow(
      /int8 export asked for, but the model has no quantized node/,
    );
    expect(existsSync(f)).toBe(false);
  });

  it('an output path in a missing folder', () => {
    const f = join(tmp, 'missing', 'cnn.onnx');
    expect(() => export_onnx(per_tensor.model, x, f)).toThrow(/does not exist; nothing was written/);
    expect(existsSync(join(tmp, 'missing'))).toBe(false);
  });

  it('an opset before 13', () => {
    expect(() => export_onnx_bytes(fp32.model, x, { opset_version: 11 })).toThrow(
      /opset_version 11 is not supported \(13–21\)/,
    );
  });

  it('writes the file when all is well', () => {
    const f = join(tmp, 'ok.onnx');
    const n = export_onnx(per_channel.model, x, f);
    expect(existsSync(f)).toBe(true);
    expect(n).toBeGreaterThan(400_000);
  });
});

describe('the static protobuf module', () => {
  it('is what scripts/gen_onnx_proto.ts makes of onnx.proto today', async () => {
    const { generate, OUT_PATH, PROTO_PATH } = await import('../../../scripts/gen_onnx_proto.js');
    expect(generate(readFileSync(PROTO_PATH, 'utf8')) === readFileSync(OUT_PATH, 'utf8')).toBe(true);
  });
});

describe('README', () => {
  it('lists every op-table row (module classes and call targets)', async () => {
    const { OP_TABLE } = await import('../../../compiler/export/onnx/op_table.js');
    const readme = readFileSync(join(import.meta.dirname, '../../../compiler/export/onnx/README.md'), 'utf8');
    const missing: string[] = [];
    for (const e of OP_TABLE) {
      if (e.kind === 'module') {
        if (!readme.includes(e.cls.name)) missing.push(e.cls.name);
      } else for (const t of e.targets) if (!readme.includes(`\`${t}\``)) missing.push(t);
    }
    expect(missing).toEqual([]);
  });
});
