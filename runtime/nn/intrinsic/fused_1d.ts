/** torch.nn.intrinsic's 1-d conv fusions: ConvReLU1d, ConvBn1d, ConvBnReLU1d (children '0', '1', '2' as torch's). */
import { ReLU } from '../layers/activation.js';
import { Conv1d } from '../layers/conv_more.js';
import { BatchNorm1d } from '../layers/normalization.js';
import { _FusedModule } from './fused.js';

/** nni.ConvReLU1d(conv, relu): Conv1d then ReLU. */
export class ConvReLU1d extends _FusedModule {
  constructor(conv: Conv1d, relu: ReLU) {
    super([conv, relu], [Conv1d, ReLU]);
  }
}

/** nni.ConvBn1d(conv, bn): Conv1d then a live BatchNorm1d (what train-mode / QAT fusion produces). */
export class ConvBn1d extends _FusedModule {
  constructor(conv: Conv1d, bn: BatchNorm1d) {
    super([conv, bn], [Conv1d, BatchNorm1d]);
  }
}

/** nni.ConvBnReLU1d(conv, bn, relu): Conv1d, live BatchNorm1d, ReLU. */
export class ConvBnReLU1d extends _FusedModule {
  constructor(conv: Conv1d, bn: BatchNorm1d, relu: ReLU) {
    super([conv, bn, relu], [Conv1d, BatchNorm1d, ReLU]);
  }
}
