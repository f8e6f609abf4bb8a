/**
 * torch.nn.intrinsic (torch.ao.nn.intrinsic) float fused modules: containers of the modules a
 * fusion pattern matched, children '0', '1', '2' as in torch, so state_dict keys are
 * '0.weight', '1.running_mean', …. They mark what prepare/convert treat as one quantized op;
 * numerically they are their parts run in order.
 */

import type { Tensor } from '../../tensor/tensor.js';
import { Sequential } from '../containers.js';
import { is_concrete } from '../functional/_util.js';
import { conv2d_relu_inference } from '../functional/conv.js';
import { ReLU } from '../layers/activation.js';
import { Conv2d } from '../layers/conv.js';
import { Linear } from '../layers/linear.js';
import { BatchNorm1d, BatchNorm2d } from '../layers/normalization.js';
import type { Module } from '../module.js';

// biome-ignore lint/suspicious/noExplicitAny: a module class of any constructor signature
type ModuleClass = abstract new (...args: any[]) => Module;

/**
 * torch's _FusedModule: a Sequential of exactly the fused parts. Part types are checked exactly
 * (type(m) == cls, as torch asserts): a subclass such as a QAT Conv2d is a different module.
 */
export class _FusedModule extends Sequential {
  /** The number of parts (children '0'…), fixed at construction. */
  readonly _num_parts: number;

  constructor(parts: Module[], expected: readonly ModuleClass[]) {
    const name = new.target.name;
    if (parts.length !== expected.length || parts.some((m, i) => m?.constructor !== expected[i])) {
      const got = parts.map((m) => m?.constructor?.name ?? String(m)).join(', ');
      throw new Error(
        `${name}: Incorrect types for input modules: expected (${expected.map((c) => c.name).join(', ')}), got (${got})`,
      );
    }
    super(...parts);
    this._num_parts = parts.length;
    // torch leaves a new container in train mode even around eval parts; following the parts keeps
    // `training` (which fusion and prepare read) truthful
    this.training = parts[0].training;
  }

  /**
   * Runs parts '0'… in order. Only the parts: children that passes attach later (an observer as
   * activation_post_process) must not run as a stage of the fused op.
   */
  forward(x: Tensor): Tensor {
    let y: unknown = x;
    for (let i = 0; i < this._num_parts; i++) y = this.at(i).call(y);
    return y as Tensor;
  }
}

/** nni.ConvReLU2d(conv, relu): Conv2d then ReLU. */
export class ConvReLU2d extends _FusedModule {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  constructor(conv: Conv2d, relu: ReLU) {
    super([conv, relu], [Conv2d, ReLU]);
  }

  /**
   * At inference (no gradient) on a backend with a fused conv2d_relu kernel (wasm), one call: the ReLU runs on
   * the conv's output inside the kernel's memory, the same bits as the two parts. Parts swapped or patched
   * since construction (tools wrapping them), a concrete-less input (tracing) or a gradient: the parts in order.
   */
  forward(x: Tensor): Tensor {
    const conv = this.at(0);
    const relu = this.at(1);
    if (
      is_concrete(x) &&
      conv instanceof Conv2d &&
      conv.constructor === Conv2d &&
      conv.forward === Conv2d.prototype.forward &&
      relu instanceof ReLU &&
      relu.constructor === ReLU &&
      relu.forward === ReLU.prototype.forward &&
      this._num_parts === 2
    ) {
      const y = conv2d_relu_inference(x, conv.weight, conv.bias, {
        stride: conv.stride,
        padding: conv.padding,
        dilation: conv.dilation,
        groups: conv.groups,
      });
      if (y) return y;
    }
    return super.forward(x);
  }
}

/** nni.ConvBn2d(conv, bn): Conv2d then a live BatchNorm2d (what train-mode / QAT fusion produces). */
export class ConvBn2d extends _FusedModule {
  constructor(conv: Conv2d, bn: BatchNorm2d) {
    super([conv, bn], [Conv2d, BatchNorm2d]);
  }
}

/** nni.ConvBnReLU2d(conv, bn, relu): Conv2d, live BatchNorm2d, ReLU. */
export class ConvBnReLU2d extends _FusedModule {
  constructor(conv: Conv2d, bn: BatchNorm2d, relu: ReLU) {
    super([conv, bn, relu], [Conv2d, BatchNorm2d, ReLU]);
  }
}

/** nni.LinearReLU(linear, relu): Linear then ReLU. */
export class LinearReLU extends _FusedModule {
  /** Its forward returns new storage and keeps no reference to its input (compiler/codegen/release_plan.ts). */
  static readonly returns_new_storage = true;
  constructor(linear: Linear, relu: ReLU) {
    super([linear, relu], [Linear, ReLU]);
  }
}

/** nni.LinearBn1d(linear, bn): Linear then a live BatchNorm1d (train-mode / QAT fusion). */
export class LinearBn1d extends _FusedModule {
  constructor(linear: Linear, bn: BatchNorm1d) {
    super([linear, bn], [Linear, BatchNorm1d]);
  }
}

/** nni.BNReLU2d(batch_norm, relu): BatchNorm2d then ReLU. */
export class BNReLU2d extends _FusedModule {
  constructor(batch_norm: BatchNorm2d, relu: ReLU) {
    super([batch_norm, relu], [BatchNorm2d, ReLU]);
  }
}
