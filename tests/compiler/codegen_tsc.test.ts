import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import create_cnn from '../../examples/models/fmnist_cnn.js';
import create_lstm from '../../examples/models/fmnist_lstm.js';
import create_resnet from '../../examples/models/fmnist_resnet.js';
import { F, fx, nn, quantization, randn, type Tensor } from '../../index.js';

const repo = resolve(import.meta.dirname, '../..');

/** prepare_fx (qnnpack) → one calibration batch → convert_fx: the int8 (or reference) GraphModule. */
function converted(model: nn.Module, is_reference = false): fx.GraphModule {
  const x = randn([2, 1, 28, 28]);
  const prepared = quantization.prepare_fx(model.eval(), { '': quantization.get_default_qconfig('qnnpack') }, [x]);
  prepared.forward(x);
  return quantization.convert_fx(prepared, { is_reference, warn: false });
}

/** Dynamic quantization of the LSTM model's nn.LSTM and nn.Linear. */
function converted_dynamic(model: nn.Module): fx.GraphModule {
  const q = quantization.default_dynamic_qconfig;
  const mapping = {
    object_type: [[nn.LSTM, q] as [typeof nn.LSTM, typeof q], [nn.Linear, q] as [typeof nn.Linear, typeof q]],
  };
  return quantization.convert_fx(quantization.prepare_fx(model.eval(), mapping, [randn([2, 1, 28, 28])]), {
    warn: false,
  });
}

class Functional extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor, y: Tensor, scale = 2): Tensor[] {
    const [n] = x.shape;
    const h = F.relu(this.fc.forward(x.view(n, 4)));
    return [h.mul(scale).add(y, { alpha: 0.5 }), F.linear(h, this.fc.weight)];
  }
}

describe('generated code', () => {
  it('type-checks with the TypeScript compiler against the repo types', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fxq-codegen-'));
    try {
      const gms: [string, fx.GraphModule][] = [
        ['cnn', fx.symbolic_trace(create_cnn())],
        ['resnet', fx.symbolic_trace(create_resnet())],
        ['lstm', fx.symbolic_trace(create_lstm())],
        ['functional', fx.symbolic_trace(new Functional())],
        ['cnn_int8', converted(create_cnn())],
        ['resnet_int8', converted(create_resnet())],
        ['resnet_reference', converted(create_resnet(), true)],
        ['lstm_dynamic', converted_dynamic(create_lstm())],
      ];
      // the converted models are typed by their int8 classes and ops, not loosely
      for (const [name, gm] of gms.slice(4)) {
        expect(gm.code, name).not.toContain('forward(...args: any[])');
        expect(gm.code, name).not.toContain('type Op');
      }
      expect(gms[5][1].code).toContain('conv1: nn.intrinsic.quantized.ConvReLU2d;');
      expect(gms[5][1].code).toContain('add_relu: typeof fxq_types.nn.quantized.functional.add_relu;');
      const files = gms.map(([name, gm]) => {
        const file = join(dir, `${name}.generated.ts`);
        writeFileSync(file, gm.code);
        return file;
      });
      // a negative control: the same code with one wrong call must be rejected, so the check has teeth
      const functional = gms[3][1].code;
      expect(functional).toContain('this.fc.forward(view)');
      const broken = join(dir, 'broken.generated.ts');
      writeFileSync(
        broken,
        functional
          .replace('this.fc.forward(view)', 'this.fc.forward(view, 2)')
          .replace('F.relu(fc)', 'F.relu(fc, "x", 3)'),
      );
      files.push(broken);
      // and for the int8 code: an add_relu missing its qparams, a quantized conv given a float scalar
      const int8 = gms[5][1].code;
      expect(int8).toContain('quantized.add_relu(layer1_conv2, conv1, ');
      const broken_int8 = join(dir, 'broken_int8.generated.ts');
      writeFileSync(
        broken_int8,
        int8
          .replace(/quantized\.add_relu\(layer1_conv2, conv1, [^)]*\)/, 'quantized.add_relu(layer1_conv2, conv1)')
          .replace('this.layer1.conv1.forward(conv1)', 'this.layer1.conv1.forward(1.5)'),
      );
      files.push(broken_int8);
      const tsconfig = {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(repo, 'node_modules/@types')],
          paths: { fxq: [join(repo, 'index.ts')] },
        },
        files,
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      let output = '';
      try {
        execFileSync(join(repo, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], {
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (e) {
        output = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
      }
      // errors inside the repo's own files (other work in progress) are not this test's business
      const ours = output.split('\n').filter((l) => l.includes('.generated.ts'));
      const is_broken = (l: string) => /(^|\/)broken(_int8)?\.generated\.ts/.test(l);
      expect(ours.filter((l) => !is_broken(l))).toEqual([]);
      expect(ours.filter((l) => /(^|\/)broken\.generated\.ts/.test(l)).length).toBe(2);
      expect(ours.filter((l) => l.includes('broken_int8.generated.ts')).length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads like hand-written code: one statement per node, named after the nodes', () => {
    const gm = fx.symbolic_trace(new Functional());
    const body = gm.code.slice(gm.code.indexOf('export function forward'));
    expect(body).toBe(
      [
        'export function forward(this: Self, x: Tensor, y: Tensor) {',
        '  const getattr_1 = x.shape;',
        '  const getitem = getattr_1[0];',
        '  const view = x.view(getitem, 4);',
        '  const fc = this.fc.forward(view);',
        '  const relu = F.relu(fc);',
        '  const mul = relu.mul(2);',
        '  const add = mul.add(y, { alpha: 0.5 });',
        '  const fc_weight = this.fc.weight;',
        '  const linear = F.linear(relu, fc_weight);',
        '  return [add, linear];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('the converted FmnistResNet reads like hand-written code: one statement per node, qparams as named buffers', () => {
    const gm = converted(create_resnet());
    const body = gm.code.slice(gm.code.indexOf('export function forward'));
    expect(body).toBe(
      [
        'export function forward(this: Self, x: Tensor) {',
        '  const conv1_input_scale_0 = this.conv1_input_scale_0;',
        '  const conv1_input_zero_point_0 = this.conv1_input_zero_point_0;',
        '  const quantize_per_tensor = fxq.quantize_per_tensor(x, conv1_input_scale_0, conv1_input_zero_point_0, "quint8");',
        '  const conv1 = this.conv1.forward(quantize_per_tensor);',
        '  const layer1_conv1 = this.layer1.conv1.forward(conv1);',
        '  const layer1_conv2 = this.layer1.conv2.forward(layer1_conv1);',
        '  const layer1_relu2_scale_0 = this.layer1_relu2_scale_0;',
        '  const layer1_relu2_zero_point_0 = this.layer1_relu2_zero_point_0;',
        '  const add_relu = quantized.add_relu(layer1_conv2, conv1, layer1_relu2_scale_0, layer1_relu2_zero_point_0);',
        '  const layer2_conv1 = this.layer2.conv1.forward(add_relu);',
        '  const layer2_conv2 = this.layer2.conv2.forward(layer2_conv1);',
        '  const layer2_downsample_0 = this.layer2.downsample[0].forward(add_relu);',
        '  const layer2_relu2_scale_0 = this.layer2_relu2_scale_0;',
        '  const layer2_relu2_zero_point_0 = this.layer2_relu2_zero_point_0;',
        '  const add_relu_1 = quantized.add_relu(layer2_conv2, layer2_downsample_0, layer2_relu2_scale_0, layer2_relu2_zero_point_0);',
        '  const layer3_conv1 = this.layer3.conv1.forward(add_relu_1);',
        '  const layer3_conv2 = this.layer3.conv2.forward(layer3_conv1);',
        '  const layer3_downsample_0 = this.layer3.downsample[0].forward(add_relu_1);',
        '  const layer3_relu2_scale_0 = this.layer3_relu2_scale_0;',
        '  const layer3_relu2_zero_point_0 = this.layer3_relu2_zero_point_0;',
        '  const add_relu_2 = quantized.add_relu(layer3_conv2, layer3_downsample_0, layer3_relu2_scale_0, layer3_relu2_zero_point_0);',
        '  const avgpool = this.avgpool.forward(add_relu_2);',
        '  const flatten = quantized.flatten(avgpool, 1);',
        '  const fc = this.fc.forward(flatten);',
        '  const dequantize_15 = fc.dequantize();',
        '  return dequantize_15;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('maps a runtime error back to the node that raised it', () => {
    const gm = fx.symbolic_trace(create_cnn());
    const bad = (globalThis as unknown as { Float32Array: typeof Float32Array }).Float32Array;
    const { tensor } = { tensor: (n: number) => ({ shape: [n], data: new bad(n) }) };
    expect(() => gm.forward(tensor(3))).toThrow(
      /\[fxq node 'conv1' of FmnistCNN: %conv1 .*call_module\[target=conv1\]/,
    );
  });
});
