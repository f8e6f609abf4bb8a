/**
 * QConfig: how to observe a layer's activation and weight (torch.ao.quantization.qconfig, PyTorch 1.13),
 * with the presets of torch's backends (qnnpack, fbgemm, x86, onednn) and of fxq's own ('js', 'wasm').
 */
import { Module } from '../nn/module.js';
import { backends, check_engine, type QuantizedEngine } from './engine.js';
import { class_repr, type Factory, is_factory, make_factory } from './factory.js';
import { FakeQuantize, FakeQuantizeBase } from './fake_quantize.js';
import { HistogramObserver } from './histogram_observer.js';
import { MinMaxObserver, MovingAverageMinMaxObserver } from './minmax_observer.js';
import { ObserverBase } from './observer_base.js';
import { MovingAveragePerChannelMinMaxObserver, PerChannelMinMaxObserver } from './per_channel_observer.js';
import { default_dynamic_quant_observer, PlaceholderObserver } from './simple_observers.js';

/** Builds a fresh observer / fake-quant module (a with_args factory, or a class wrapped as one). */
export type ObserverFactory = ((overrides?: object) => Module) & Partial<Pick<Factory<Module>, 'target' | 'kwargs'>>;

/** What QConfig accepts for activation / weight: a factory, a Module class, or a function returning a Module. */
export type ObserverLike = ObserverFactory | (abstract new (...args: never[]) => Module);

/** A qconfig: factories for the activation and the weight observer (or fake quant). Immutable. */
export interface QConfig {
  readonly activation: ObserverFactory;
  readonly weight: ObserverFactory;
}

function to_factory(v: unknown, which: string): ObserverFactory {
  if (v instanceof Module) {
    throw new Error(
      `QConfig received an observer instance for ${which}; pass the class or a factory instead (e.g. MinMaxObserver.with_args({ dtype: qint8 }))`,
    );
  }
  if (typeof v !== 'function')
    throw new Error(`QConfig: ${which} must be an observer class or factory, got ${String(v)}`);
  if (is_factory(v)) return v as unknown as ObserverFactory;
  const proto = (v as { prototype?: unknown }).prototype;
  if (proto instanceof Module) {
    // a bare class prints as itself, as in torch's QConfig(activation=PlaceholderObserver, …)
    const f = make_factory(v as new (o?: object) => Module, {});
    f.toString = () => class_repr(v as new () => Module);
    return f as unknown as ObserverFactory;
  }
  return v as ObserverFactory;
}

/**
 * QConfig({ activation, weight }): each is an observer/fake-quant class or a `with_args` factory
 * (not an instance: each use needs its own observer). Returns a frozen qconfig.
 */
export function QConfig(spec: { activation: ObserverLike; weight: ObserverLike }): QConfig {
  if (spec === null || typeof spec !== 'object') throw new Error('QConfig: expected { activation, weight }');
  for (const k of Object.keys(spec)) {
    if (k !== 'activation' && k !== 'weight')
      throw new Error(`QConfig: unknown key '${k}' (expected activation and weight)`);
  }
  const qconfig = {
    activation: to_factory(spec.activation, 'activation'),
    weight: to_factory(spec.weight, 'weight'),
  };
  // torch's QConfig is a namedtuple: QConfig(activation=functools.partial(…){}, weight=…)
  const repr = () => `QConfig(activation=${qconfig.activation}, weight=${qconfig.weight})`;
  Object.defineProperty(qconfig, 'toString', { value: repr });
  Object.defineProperty(qconfig, Symbol.for('nodejs.util.inspect.custom'), { value: repr });
  return Object.freeze(qconfig);
}

/** QConfigDynamic (deprecated in torch, kept for old code): a weight-only qconfig; activation defaults to float. */
export function QConfigDynamic(spec: { activation?: ObserverLike; weight: ObserverLike }): QConfig {
  return QConfig({ activation: spec.activation ?? PlaceholderObserver, weight: spec.weight });
}

/** True for a QConfig-shaped object. */
export function is_qconfig(v: unknown): v is QConfig {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as QConfig).activation === 'function' &&
    typeof (v as QConfig).weight === 'function'
  );
}

function same_factory(a: ObserverFactory, b: ObserverFactory): boolean {
  if (a === b) return true;
  if (!is_factory(a) || !is_factory(b) || a.target !== b.target) return false;
  const ka = a.kwargs as Record<string, unknown>;
  const kb = b.kwargs as Record<string, unknown>;
  const keys = new Set([...Object.keys(ka), ...Object.keys(kb)]);
  for (const k of keys) {
    const x = ka[k];
    const y = kb[k];
    if (typeof x === 'function' && typeof y === 'function') {
      if (!same_factory(x as ObserverFactory, y as ObserverFactory)) return false;
    } else if (x !== y) return false;
  }
  return true;
}

/** torch's qconfig_equals: same observer classes with the same bound options (null equals only null). */
export function qconfig_equals(a: QConfig | null, b: QConfig | null): boolean {
  if (a === null || b === null) return a === b;
  return same_factory(a.activation, b.activation) && same_factory(a.weight, b.weight);
}

/** The dtypes a qconfig produces: [activation dtype, weight dtype, activation compute dtype (dynamic) or null]. */
export function get_qconfig_dtypes(qconfig: QConfig): [string, string, string | null] {
  const act = qconfig.activation() as Module & { dtype?: string; compute_dtype?: string | null };
  const w = qconfig.weight() as Module & { dtype?: string };
  return [act.dtype ?? 'float32', w.dtype ?? 'float32', act.compute_dtype ?? null];
}

/** True when the qconfig quantizes activations per call (dynamic quantization). */
export function activation_is_dynamically_quantized(qconfig: QConfig): boolean {
  const [a, , c] = get_qconfig_dtypes(qconfig);
  return a === 'float32' && (c === 'quint8' || c === 'qint8' || c === 'float16');
}

// ---- observer presets (torch/ao/quantization/observer.py)
/** MinMaxObserver quint8 0..127 (torch's default_observer). */
export const default_observer = MinMaxObserver.with_args({ quant_min: 0, quant_max: 127 });
/** qint8 per-tensor symmetric MinMax weights. */
export const default_weight_observer = MinMaxObserver.with_args({ dtype: 'qint8', qscheme: 'per_tensor_symmetric' });
/** qint8 per-channel symmetric MinMax weights (axis 0). */
export const default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args({
  dtype: 'qint8',
  qscheme: 'per_channel_symmetric',
});
/** Row-wise float qparams for embedding weights, quint8 (torch's default_float_qparams_observer). */
export const default_float_qparams_observer = PerChannelMinMaxObserver.with_args({
  dtype: 'quint8',
  qscheme: 'per_channel_affine_float_qparams',
  ch_axis: 0,
});
/** The same in 4 bits, two values a byte (torch's default_float_qparams_observer_4bit). */
export const default_float_qparams_observer_4bit = PerChannelMinMaxObserver.with_args({
  dtype: 'quint4x2',
  qscheme: 'per_channel_affine_float_qparams',
  ch_axis: 0,
});
/** HistogramObserver quint8 0..127. */
export const default_histogram_observer = HistogramObserver.with_args({ quant_min: 0, quant_max: 127 });
/** Symmetric qint8 weights in [-127, 127] (eps 2^-12). */
export const weight_observer_range_neg_127_to_127 = MinMaxObserver.with_args({
  dtype: 'qint8',
  qscheme: 'per_tensor_symmetric',
  quant_min: -127,
  quant_max: 127,
  eps: 2 ** -12,
});

// ---- fake-quant presets (torch/ao/quantization/fake_quantize.py)
/** Activation fake quant: moving-average MinMax, quint8 0..255 with reduce_range (0..127). */
export const default_fake_quant = FakeQuantize.with_args({
  observer: MovingAverageMinMaxObserver,
  quant_min: 0,
  quant_max: 255,
  dtype: 'quint8',
  qscheme: 'per_tensor_affine',
  reduce_range: true,
});
/** Weight fake quant: qint8 per-tensor symmetric. */
export const default_weight_fake_quant = FakeQuantize.with_args({
  observer: MovingAverageMinMaxObserver,
  quant_min: -128,
  quant_max: 127,
  dtype: 'qint8',
  qscheme: 'per_tensor_symmetric',
  reduce_range: false,
});
/** Weight fake quant: qint8 per-channel symmetric on axis 0. */
export const default_per_channel_weight_fake_quant = FakeQuantize.with_args({
  observer: MovingAveragePerChannelMinMaxObserver,
  quant_min: -128,
  quant_max: 127,
  dtype: 'qint8',
  qscheme: 'per_channel_symmetric',
  reduce_range: false,
  ch_axis: 0,
});
/** Activation fake quant driven by a HistogramObserver. */
export const default_histogram_fake_quant = FakeQuantize.with_args({
  observer: HistogramObserver,
  quant_min: 0,
  quant_max: 255,
  dtype: 'quint8',
  qscheme: 'per_tensor_affine',
  reduce_range: true,
});

// ---- qconfig presets (torch/ao/quantization/qconfig.py)
/** default_observer activations + per-tensor symmetric weights. */
export const default_qconfig = QConfig({ activation: default_observer, weight: default_weight_observer });
/** default_observer activations + per-channel weights. */
export const default_per_channel_qconfig = QConfig({
  activation: default_observer,
  weight: default_per_channel_weight_observer,
});
/** Dynamic quantization: activations quantized per call, qint8 per-tensor weights. */
export const default_dynamic_qconfig = QConfig({
  activation: default_dynamic_quant_observer,
  weight: default_weight_observer,
});
/** Dynamic quantization with per-channel weights. */
export const per_channel_dynamic_qconfig = QConfig({
  activation: default_dynamic_quant_observer,
  weight: default_per_channel_weight_observer,
});
/** fp16 dynamic: float activations computed in fp16, fp16 weights. */
export const float16_dynamic_qconfig = QConfig({
  activation: PlaceholderObserver.with_args({ dtype: 'float32', compute_dtype: 'float16' }),
  weight: PlaceholderObserver.with_args({ dtype: 'float16' }),
});
/** fp16 static: fp16 activations and weights. */
export const float16_static_qconfig = QConfig({
  activation: PlaceholderObserver.with_args({ dtype: 'float16' }),
  weight: PlaceholderObserver.with_args({ dtype: 'float16' }),
});
/** QAT defaults: default_fake_quant activations + default_weight_fake_quant weights. */
export const default_qat_qconfig = QConfig({ activation: default_fake_quant, weight: default_weight_fake_quant });

/**
 * The PTQ qconfig for a backend (default: the current backends.quantized.engine). torch 1.13's presets:
 * qnnpack = HistogramObserver(reduce_range=false) + per-tensor symmetric MinMax qint8 weights;
 * fbgemm / x86 = HistogramObserver(reduce_range=true) + per-channel symmetric qint8 weights (their int16
 * pair sums need 7-bit activations); onednn = full-range histogram + per-channel weights.
 * fxq's 'js' and 'wasm': full-range quint8 HistogramObserver activations (the kernels accumulate in int32,
 * so the reduce_range overflow workaround is unnecessary and would waste a bit) + per-channel symmetric
 * qint8 weights (per-channel scales cost nothing at requantization and keep small-norm channels precise).
 */
export function get_default_qconfig(backend: QuantizedEngine = backends.quantized.engine, version = 0): QConfig {
  check_engine(backend, 'get_default_qconfig');
  if (version !== 0) throw new Error(`get_default_qconfig: version ${version} is not supported (only 0)`);
  switch (backend) {
    case 'qnnpack':
      return QConfig({
        activation: HistogramObserver.with_args({ reduce_range: false }),
        weight: default_weight_observer,
      });
    case 'fbgemm':
    case 'x86':
      return QConfig({
        activation: HistogramObserver.with_args({ reduce_range: true }),
        weight: default_per_channel_weight_observer,
      });
    case 'onednn':
    case 'js':
    case 'wasm':
      return QConfig({
        activation: HistogramObserver.with_args({ reduce_range: false }),
        weight: default_per_channel_weight_observer,
      });
  }
}

/**
 * The QAT qconfig for a backend. Version 1 (torch 1.13's default) uses FusedMovingAvgObsFakeQuantize in
 * torch; fxq builds the equivalent unfused FakeQuantize + MovingAverage observers (with the fused weights'
 * eps 2^-12). Version 0 is the plain FakeQuantize preset. js/wasm: full-range activations, per-channel weights.
 */
export function get_default_qat_qconfig(backend: QuantizedEngine = backends.quantized.engine, version = 1): QConfig {
  check_engine(backend, 'get_default_qat_qconfig');
  if (version !== 0 && version !== 1)
    throw new Error(`get_default_qat_qconfig: version ${version} is not supported (0 or 1)`);
  const reduce_range = backend === 'fbgemm' || backend === 'x86';
  const activation = FakeQuantize.with_args({
    observer: MovingAverageMinMaxObserver,
    quant_min: 0,
    quant_max: 255,
    reduce_range,
  });
  const eps = version === 1 ? { eps: 2 ** -12 } : {};
  const per_tensor_w = default_weight_fake_quant.with_args(eps);
  const per_channel_w = default_per_channel_weight_fake_quant.with_args(eps);
  return QConfig({ activation, weight: backend === 'qnnpack' ? per_tensor_w : per_channel_w });
}

/** True for observers and fake-quant modules (what prepare inserts). */
export function is_activation_post_process(m: unknown): m is ObserverBase | FakeQuantizeBase {
  return m instanceof ObserverBase || m instanceof FakeQuantizeBase;
}

/**
 * Weight-only quantization of nn.Embedding / nn.EmbeddingBag (torch's float_qparams_weight_only_qconfig): the
 * activation stays float (placeholder), the weight is quint8 with a float scale and zero point per row.
 */
export const float_qparams_weight_only_qconfig = QConfig({
  activation: PlaceholderObserver,
  weight: default_float_qparams_observer,
});
/** The 4-bit form (torch's float_qparams_weight_only_qconfig_4bit): quint4x2 rows, fp16 scale and bias. */
export const float_qparams_weight_only_qconfig_4bit = QConfig({
  activation: PlaceholderObserver,
  weight: default_float_qparams_observer_4bit,
});

/** True when `qconfig`'s weight observer uses row-wise float qparams (the embedding weight-only qconfigs). */
export function weight_is_float_qparams(qconfig: QConfig): boolean {
  const w = qconfig.weight() as { qscheme?: string };
  return w.qscheme === 'per_channel_affine_float_qparams';
}
