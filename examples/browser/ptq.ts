/**
 * Post-training quantization of FmnistCNN, one procedure for the page and for Node (the browser test runs
 * both and compares): prepare_fx with qnnpack's default qconfig, calibration on the first `calib` training
 * images in batches of 50, convert_fx. Browser-safe imports only.
 */
import { type fx, quantization, set_backend, type Tensor, tools } from '../../browser.js';
import { FmnistCNN } from '../models/fmnist_cnn_net.js';

/** FmnistCNN (eval mode) with the fp32 state_dict `weights` loaded strictly. */
export function fmnist_cnn_with(weights: Record<string, Tensor>): FmnistCNN {
  const model = new FmnistCNN().eval();
  model.load_state_dict(weights);
  return model;
}

/**
 * prepare_fx → calibrate on rows [0, calib) of `train` → convert_fx. Calibration runs on the backend given
 * ('wasm' is the baseline-SIMD build in both Node and the page, so the observers see the same float bits).
 */
export function ptq_fmnist_cnn(model: FmnistCNN, train: Tensor, calib: number, backend: 'js' | 'wasm'): fx.GraphModule {
  set_backend(backend);
  const example = train.narrow(0, 0, 1);
  const prepared = quantization.prepare_fx(model, { '': quantization.get_default_qconfig('qnnpack') }, [example]);
  tools.run_calibration(prepared, train.narrow(0, 0, calib), 50);
  return quantization.convert_fx(prepared, { backend });
}
