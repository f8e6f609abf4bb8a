/**
 * A ModelSpec (random_model.ts) as an nn.Module whose forward walks the steps, and its qconfig mapping.
 * The forward's control flow depends on the spec only, so symbolic_trace records exactly the steps.
 */
import * as F from '../../runtime/nn/functional/index.js';
import * as nn from '../../runtime/nn/index.js';
import type { Module } from '../../runtime/nn/module.js';
import { MinMaxObserver, MovingAverageMinMaxObserver } from '../../runtime/quant/minmax_observer.js';
import {
  default_dynamic_qconfig,
  default_per_channel_qconfig,
  default_per_channel_weight_observer,
  default_qconfig,
  default_weight_observer,
  get_default_qconfig,
  per_channel_dynamic_qconfig,
  QConfig,
} from '../../runtime/quant/qconfig.js';
import type { QConfigDict } from '../../runtime/quant/qconfig_mapping.js';
import { add, cat, flatten, mul, relu, type Tensor } from '../../runtime/tensor/index.js';
import { default_generator, manual_seed } from '../../runtime/tensor/random.js';
import type { ModelSpec, StaticPreset, Step } from './random_model.js';

/** The module a step owns (registered as `m<index>`), or null for functional / method spellings. */
function module_of(step: Step): Module | null {
  switch (step.op) {
    case 'conv2d':
      return new nn.Conv2d(step.cin, step.cout, step.k, {
        stride: step.stride,
        padding: step.padding,
        dilation: step.dilation,
        groups: step.groups,
        bias: step.bias,
      });
    case 'linear':
      return new nn.Linear(step.fin, step.fout, { bias: step.bias });
    case 'batch_norm2d':
      return new nn.BatchNorm2d(step.c);
    case 'relu':
      return step.form === 'module' ? new nn.ReLU() : null;
    case 'relu6':
      return step.form === 'module' ? new nn.ReLU6() : null;
    case 'hardswish':
      return step.form === 'module' ? new nn.Hardswish() : null;
    case 'max_pool2d':
      return step.form === 'module'
        ? new nn.MaxPool2d(step.k, { stride: step.stride, padding: step.padding, ceil_mode: step.ceil_mode })
        : null;
    case 'avg_pool2d':
      return step.form === 'module'
        ? new nn.AvgPool2d(step.k, {
            stride: step.stride,
            padding: step.padding,
            ceil_mode: step.ceil_mode,
            count_include_pad: step.count_include_pad,
          })
        : null;
    case 'adaptive_avg_pool2d':
      return step.form === 'module' ? new nn.AdaptiveAvgPool2d(step.out) : null;
    case 'flatten':
      return step.form === 'module' ? new nn.Flatten(1) : null;
    default:
      return null;
  }
}

/** Scaled weights and dead channels (conv / linear), random running statistics and affine (batch norm). */
function perturb(step: Step, m: Module): void {
  const sd = m.state_dict();
  if (step.op === 'conv2d' || step.op === 'linear') {
    for (const k of ['weight', 'bias']) {
      const d = sd[k]?.data as Float32Array | undefined;
      if (d) for (let i = 0; i < d.length; i++) d[i] = Math.fround(d[i] * step.wscale);
    }
    if (step.zero_channel) {
      const w = sd.weight.data as Float32Array;
      w.fill(0, w.length - w.length / sd.weight.shape[0]); // the last output channel
    }
  }
  if (step.op === 'batch_norm2d') {
    const g = default_generator;
    const fill = (k: string, f: () => number) => {
      const d = sd[k].data as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] = Math.fround(f());
    };
    fill('running_mean', () => g.normal() * 0.5);
    fill('running_var', () => 0.25 + 2 * g.random());
    fill('weight', () => 0.5 + g.random());
    fill('bias', () => g.normal() * 0.3);
  }
}

/** The random model of a spec; weights from the default generator seeded with spec.seed. */
export class FuzzNet extends nn.Module {
  readonly spec: ModelSpec;
  private readonly mods: (Module | null)[] = [];

  constructor(spec: ModelSpec) {
    super();
    this.spec = spec;
    manual_seed(spec.seed);
    spec.steps.forEach((step, i) => {
      const m = step.op === 'reuse' ? this.mods[step.of] : module_of(step);
      if (m && step.op !== 'reuse') this.add_module(`m${i}`, m);
      if (m) perturb(step, m);
      this.mods.push(m);
    });
  }

  private run_step(step: Step, m: Module | null, v: Tensor[]): Tensor {
    const call = (x: Tensor) => (m as unknown as { forward(x: Tensor): Tensor }).forward(x);
    switch (step.op) {
      case 'conv2d':
      case 'linear':
      case 'batch_norm2d':
      case 'reuse':
        return call(v[step.in]);
      case 'relu':
        return m ? call(v[step.in]) : step.form === 'method' ? v[step.in].relu() : relu(v[step.in]);
      case 'relu6':
        return m ? call(v[step.in]) : F.relu6(v[step.in]);
      case 'hardswish':
        return m ? call(v[step.in]) : F.hardswish(v[step.in]);
      case 'add':
        return step.form === 'method' ? v[step.a].add(v[step.b]) : add(v[step.a], v[step.b]);
      case 'mul':
        return step.form === 'method' ? v[step.a].mul(v[step.b]) : mul(v[step.a], v[step.b]);
      case 'add_scalar':
        return step.form === 'method' ? v[step.in].add(step.c) : add(v[step.in], step.c);
      case 'mul_scalar':
        return step.form === 'method' ? v[step.in].mul(step.c) : mul(v[step.in], step.c);
      case 'cat':
        return cat(
          step.ins.map((j) => v[j]),
          step.dim,
        );
      case 'max_pool2d':
        return m
          ? call(v[step.in])
          : F.max_pool2d(v[step.in], step.k, { stride: step.stride, padding: step.padding, ceil_mode: step.ceil_mode });
      case 'avg_pool2d':
        return m
          ? call(v[step.in])
          : F.avg_pool2d(v[step.in], step.k, {
              stride: step.stride,
              padding: step.padding,
              ceil_mode: step.ceil_mode,
              count_include_pad: step.count_include_pad,
            });
      case 'adaptive_avg_pool2d':
        return m ? call(v[step.in]) : F.adaptive_avg_pool2d(v[step.in], step.out);
      case 'flatten':
        return m ? call(v[step.in]) : step.form === 'method' ? v[step.in].flatten(1) : flatten(v[step.in], 1);
    }
  }

  forward(x: Tensor): Tensor | Tensor[] {
    const v: Tensor[] = [x];
    this.spec.steps.forEach((step, i) => {
      v.push(this.run_step(step, this.mods[i], v));
    });
    const outs = this.spec.outputs.map((j) => v[j]);
    return outs.length === 1 ? outs[0] : outs;
  }
}

/** The qconfig of a static preset name. */
export function static_qconfig(p: StaticPreset): QConfig {
  switch (p) {
    case 'qnnpack':
      return get_default_qconfig('qnnpack');
    case 'fbgemm':
      return get_default_qconfig('fbgemm');
    case 'default':
      return default_qconfig;
    case 'default_per_channel':
      return default_per_channel_qconfig;
    case 'minmax_full_per_channel':
      return QConfig({ activation: MinMaxObserver, weight: default_per_channel_weight_observer });
    case 'moving_average_per_tensor':
      return QConfig({ activation: MovingAverageMinMaxObserver, weight: default_weight_observer });
  }
}

/** The qconfig_dict prepare_fx gets (static, or dynamic for nn.Linear). */
export function qconfig_dict_of(spec: ModelSpec): QConfigDict {
  const q = spec.quant;
  if (q.mode === 'dynamic')
    return {
      object_type: [[nn.Linear, q.weight === 'per_channel' ? per_channel_dynamic_qconfig : default_dynamic_qconfig]],
    };
  const object_type: [typeof nn.Conv2d | typeof nn.Linear, QConfig][] = [];
  if (q.conv) object_type.push([nn.Conv2d, static_qconfig(q.conv)]);
  if (q.linear) object_type.push([nn.Linear, static_qconfig(q.linear)]);
  return object_type.length ? { '': static_qconfig(q.global), object_type } : { '': static_qconfig(q.global) };
}
