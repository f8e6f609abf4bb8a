/** Bad input to prepare_fx / convert_fx: each error or warning names what was wrong and where. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Node } from '../../compiler/ir/node.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { get_quantization_warnings, prepare_fx } from '../../compiler/quantize_fx/prepare.js';
import { TraceError } from '../../compiler/trace/errors.js';
import { FmnistResNet } from '../../examples/models/fmnist_resnet.js';
import { ReLU, SiLU, Softmax } from '../../runtime/nn/layers/activation.js';
import { Linear } from '../../runtime/nn/layers/linear.js';
import { Module } from '../../runtime/nn/module.js';
import { get_default_qconfig } from '../../runtime/quant/qconfig.js';
import { randn } from '../../runtime/tensor/creation.js';
import type { Tensor } from '../../runtime/tensor/tensor.js';

const qconfig = get_default_qconfig('qnnpack');
const input = randn([4, 8]);

class WithGelu extends Module {
  fc1 = new Linear(8, 8);
  act = new SiLU(); // in no pattern of torch 1.13's backend config (GELU is a known float island: not warned)
  fc2 = new Linear(8, 4);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
  }
}

class WithSoftmax extends Module {
  fc = new Linear(8, 4);
  sm = new Softmax(1);
  forward(x: Tensor): Tensor {
    return this.sm.forward(this.fc.forward(x));
  }
}

/** A gate whose forward branches on a concrete value: not traceable. */
class Gate extends Module {
  relu = new ReLU();
  forward(x: Tensor): Tensor {
    return x.sum().item() > 0 ? this.relu.forward(x) : x;
  }
}
class Gated extends Module {
  fc = new Linear(8, 8);
  gate = new Gate();
  forward(x: Tensor): Tensor {
    return this.gate.forward(this.fc.forward(x));
  }
}

afterEach(() => vi.restoreAllMocks());

describe('prepare_fx / convert_fx errors', () => {
  it('a module_name that is not in the model lists the closest names', () => {
    const model = new FmnistResNet().eval();
    expect(() =>
      prepare_fx(model, { '': null, module_name: [['layer1.conv3', qconfig]] }, [randn([1, 1, 28, 28])]),
    ).toThrow(
      /module_name 'layer1\.conv3' is not a module of the model; closest names: 'layer1\.conv1', 'layer1\.conv2'/,
    );
  });

  it('convert_fx before calibration names the observer that saw no data and the node it observes', () => {
    const prepared = prepare_fx(new WithGelu().eval(), { '': qconfig }, [input], null, { warn: false });
    expect(() => convert_fx(prepared, { warn: false })).toThrow(
      /observer 'activation_post_process_0' \(HistogramObserver\) on the output of node 'x' saw no data/,
    );
  });

  it('an op with no int8 lowering stays float between dequantize and quantize, with a warning naming it', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const prepared = prepare_fx(new WithGelu().eval(), { '': qconfig }, [input]);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/call_module 'act' \(SiLU\).*no int8 lowering; kept in float/),
    );
    expect(get_quantization_warnings(prepared)).toHaveLength(1);
    prepared.forward(input);
    const q = convert_fx(prepared);
    const act = q.graph.nodes.find((n) => n.target === 'act') as Node;
    expect((act.args[0] as Node).target).toBe('dequantize');
    expect([...act.users].map((u) => u.target)).toEqual(['quantize_per_tensor']);
    expect(q.get_submodule('fc1').constructor.name).toBe('Linear');
    expect(typeof (q.get_submodule('fc1') as unknown as { weight: unknown }).weight).toBe('function'); // int8
    expect(get_quantization_warnings(q)[0]).toMatch(/'act'/);
  });

  it('softmax is observed with fixed qparams (1/256, 0) but has no int8 kernel: float between dequantize and quantize, warned at convert', () => {
    const prepared = prepare_fx(new WithSoftmax().eval(), { '': qconfig }, [input]);
    prepared.forward(input);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const q = convert_fx(prepared);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/node 'sm' \(softmax\) has no int8 kernel/));
    const sm = q.graph.nodes.find((n) => n.target === 'sm') as Node;
    expect((sm.args[0] as Node).target).toBe('dequantize');
    const after = [...sm.users][0];
    expect(after.target).toBe('quantize_per_tensor');
    expect(after.meta.qparams).toEqual({ scale: 1 / 256, zero_point: 0, dtype: 'quint8' });
  });

  it('a model that cannot be traced raises TraceError with the prepare_custom_config hint; marking it non-traceable works', () => {
    let err: unknown;
    try {
      prepare_fx(new Gated().eval(), { '': qconfig }, [input]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceError);
    expect((err as Error).message).toMatch(/non_traceable_module_names: \['gate'\]/);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const prepared = prepare_fx(new Gated().eval(), { '': qconfig }, [input], { non_traceable_module_names: ['gate'] });
    prepared.forward(input);
    const q = convert_fx(prepared);
    expect(q.graph.nodes.find((n) => n.target === 'gate')?.op).toBe('call_module');
    const classes = prepare_fx(new Gated().eval(), { '': qconfig }, [input], { non_traceable_module_classes: [Gate] });
    expect(classes.graph.nodes.find((n) => n.target === 'gate')?.op).toBe('call_module');
  });

  it('rejects a model in train mode, a non-array example_inputs and unknown custom-config keys', () => {
    expect(() => prepare_fx(new WithGelu(), { '': qconfig }, [input])).toThrow(/eval mode/);
    expect(() => prepare_fx(new WithGelu().eval(), { '': qconfig }, input as unknown as unknown[])).toThrow(
      /example_inputs/,
    );
    expect(() =>
      prepare_fx(new WithGelu().eval(), { '': qconfig }, [input], { non_traceable: ['fc1'] } as unknown as {
        preserved_attributes: string[];
      }),
    ).toThrow(/unknown key\(s\) 'non_traceable'/);
  });
});
