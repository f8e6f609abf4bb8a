/**
 * QuantStub, DeQuantStub and QuantWrapper (torch.ao.quantization.stubs): the markers that tell eager
 * prepare/convert where float enters and leaves the int8 region. Before convert they are identities;
 * convert swaps them for nn.quantized.Quantize / DeQuantize.
 */
import { Module } from '../nn/module.js';
import type { QConfig } from '../quant/qconfig.js';
import type { Tensor } from '../tensor/tensor.js';

type Slots = Record<string, unknown>;

/** Sets `qconfig` only when one is given, so an absent qconfig stays absent (torch: `if qconfig: self.qconfig = qconfig`). */
function set_qconfig(m: Module, qconfig: QConfig | null | undefined): void {
  if (qconfig) (m as unknown as Slots).qconfig = qconfig;
}

/** The identity both stubs are before convert; `qconfig` is kept only when one is given. */
abstract class IdentityStub extends Module {
  declare qconfig?: QConfig | null;
  constructor(qconfig?: QConfig | null) {
    super();
    set_qconfig(this, qconfig);
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** QuantStub(qconfig?): an identity whose output prepare observes; convert turns it into nnq.Quantize. */
export class QuantStub extends IdentityStub {}

/** DeQuantStub(qconfig?): an identity that convert turns into nnq.DeQuantize (never observed). */
export class DeQuantStub extends IdentityStub {}

/**
 * QuantWrapper(module): quant → module → dequant, with children quant, dequant, module (torch's order);
 * the stubs take module.qconfig, so prepare observes the input and convert quantizes it.
 */
export class QuantWrapper extends Module {
  /** Set before prepare (e.g. get_default_qconfig('qnnpack')); propagated to the stubs and the module. */
  declare qconfig?: QConfig | null;
  quant: QuantStub;
  dequant: DeQuantStub;
  module: Module;

  constructor(module: Module) {
    super();
    const qconfig = (module as unknown as Slots).qconfig as QConfig | null | undefined;
    this.quant = new QuantStub(qconfig);
    this.dequant = new DeQuantStub(qconfig);
    this.module = module;
    this.train(module.training);
  }

  forward(x: Tensor): Tensor {
    const y = this.module.call(this.quant.forward(x)) as Tensor;
    return this.dequant.forward(y);
  }
}
