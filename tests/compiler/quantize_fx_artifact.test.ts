/** save_quantized / load_quantized: a converted model reloads without its class and runs identically on js and wasm. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { load_quantized, save_quantized } from '../../compiler/artifact/node/index.js';
import { load_quantized as load_bytes } from '../../compiler/artifact/quantized_artifact.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { FmnistLSTM, load_weights as load_lstm } from '../../examples/models/fmnist_lstm.js';
import { FmnistResNet, load_weights as load_resnet } from '../../examples/models/fmnist_resnet.js';
import { get_backend, set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';
import { parse_safetensors } from '../../runtime/io/safetensors.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { LSTM } from '../../runtime/nn/layers/rnn.js';
import { default_dynamic_qconfig, get_default_qconfig } from '../../runtime/quant/qconfig.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';
import { calibrate, calibration_images, load_golden } from './quantize_fx_helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-artifact-'));
afterAll(() => {
  set_backend('js');
  rmSync(dir, { recursive: true, force: true });
});
const x = load_golden('fmnist_resnet_ptq').t['input/x_fp32'];

function run_on(backend: 'js' | 'wasm', f: () => Tensor): Float32Array {
  const prev = get_backend().name as 'js' | 'wasm';
  set_backend(backend);
  try {
    return Float32Array.from(f().data as Float32Array);
  } finally {
    set_backend(prev);
  }
}

describe('save_quantized / load_quantized', () => {
  const prepared = prepare_fx(load_resnet(new FmnistResNet()).eval(), { '': get_default_qconfig('qnnpack') }, [x]);
  calibrate(prepared, calibration_images(100));
  const q = convert_fx(prepared);

  it('writes one file (weights + manifest in __metadata__) atomically, and reloads without the model class', () => {
    const out = join(dir, 'resnet.safetensors');
    save_quantized(q, out, { write_source: true });
    expect(readdirSync(dir).sort()).toEqual(['resnet.safetensors', 'resnet.ts']);
    expect(readFileSync(join(dir, 'resnet.ts'), 'utf8')).toContain('quantized.add_relu');
    const { metadata } = parse_safetensors(readFileSync(out), out);
    expect(metadata?.format).toBe('fxq.quantized');
    expect(metadata?.version).toBe('2');
    const manifest = JSON.parse(metadata?.manifest ?? '');
    expect(manifest.modules.find((m: { path: string }) => m.path === 'layer1.conv1').type).toBe(
      'nn.intrinsic.quantized.ConvReLU2d',
    );
    const loaded = load_quantized(out);
    expect(loaded.graph.nodes.map((n) => n.format_node())).toEqual(q.graph.nodes.map((n) => n.format_node()));
    expect([...(loaded.forward(x) as Tensor).data]).toEqual([...(q.forward(x) as Tensor).data]);
    // the int8 ops' output qparams are buffers (torch's names): saved and reloaded with the weights
    const sd = loaded.state_dict();
    expect(Object.keys(sd)).toContain('layer1_relu2_scale_0');
    expect(sd.layer3_relu2_zero_point_0.data[0]).toBe(q.state_dict().layer3_relu2_zero_point_0.data[0]);
    expect(sd.layer1_relu2_scale_0.data[0]).toBe(q.state_dict().layer1_relu2_scale_0.data[0]);
    // overwriting an existing artifact swaps it in whole; the bytes load the same model anywhere
    save_quantized(q, out);
    expect(existsSync(out)).toBe(true);
    expect([...(load_bytes(readFileSync(out)).forward(x) as Tensor).data]).toEqual([...(q.forward(x) as Tensor).data]);
  });

  it('the loaded model gives identical outputs on the js and wasm backends', () => {
    load_wasm_backend();
    const loaded = load_quantized(join(dir, 'resnet.safetensors'));
    const js = run_on('js', () => loaded.forward(x) as Tensor);
    const wasm = run_on('wasm', () => loaded.forward(x) as Tensor);
    expect([...wasm]).toEqual([...js]);
    expect([...js]).toEqual([...(q.forward(x) as Tensor).data]);
  });

  it('round-trips a dynamic model (quantized LSTM + Linear)', () => {
    const qd = convert_fx(
      prepare_fx(
        load_lstm(new FmnistLSTM()).eval(),
        {
          object_type: [
            [LSTM, default_dynamic_qconfig],
            [Linear, default_dynamic_qconfig],
          ],
        },
        [x],
      ),
    );
    save_quantized(qd, join(dir, 'lstm.safetensors'));
    const loaded = load_quantized(join(dir, 'lstm.safetensors'));
    expect([...(loaded.forward(x) as Tensor).data]).toEqual([...(qd.forward(x) as Tensor).data]);
  });

  it('round-trips a reference model (float fused modules between quantize / dequantize)', () => {
    const ref = convert_fx(prepared, { is_reference: true });
    save_quantized(ref, join(dir, 'reference.safetensors'));
    const loaded = load_quantized(join(dir, 'reference.safetensors'));
    expect(loaded.get_submodule('conv1').constructor.name).toBe('ConvReLU2d');
    expect([...(loaded.forward(x) as Tensor).data]).toEqual([...(ref.forward(x) as Tensor).data]);
  });

  it('rejects a path that is not an artifact, naming the file', () => {
    expect(() => load_quantized(join(dir, 'nope'))).toThrow(/load_quantized .*nope: cannot read/);
    expect(() => load_quantized(dir)).toThrow(/manifest\.json/);
  });
});
