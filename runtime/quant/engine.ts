/**
 * The quantized engine setting, as torch.backends.quantized.engine: which int8 kernel family a model is
 * prepared for. It picks the default qconfig presets (get_default_qconfig() with no argument).
 */

/** Engines fxq knows: its own kernels ('js' reference, 'wasm' SIMD) and PyTorch's preset names. */
export const supported_engines = ['js', 'wasm', 'qnnpack', 'fbgemm', 'x86', 'onednn'] as const;

/** One of supported_engines. */
export type QuantizedEngine = (typeof supported_engines)[number];

let current: QuantizedEngine = 'js';

function validate(engine: unknown): asserts engine is QuantizedEngine {
  if (!supported_engines.includes(engine as QuantizedEngine)) {
    throw new Error(
      `backends.quantized.engine: unknown engine ${JSON.stringify(engine)}; supported engines are ${supported_engines.join(', ')}`,
    );
  }
}

/** `backends.quantized.engine` (get/set, validated) and `backends.quantized.supported_engines`. */
export const backends = {
  quantized: {
    get engine(): QuantizedEngine {
      return current;
    },
    set engine(value: QuantizedEngine) {
      validate(value);
      current = value;
    },
    supported_engines: [...supported_engines] as readonly QuantizedEngine[],
  },
};

/** Throws unless `engine` is a supported engine name; `where` names the caller. */
export function check_engine(engine: unknown, where: string): asserts engine is QuantizedEngine {
  if (!supported_engines.includes(engine as QuantizedEngine)) {
    throw new Error(
      `${where}: unknown backend ${JSON.stringify(engine)}; expected one of ${supported_engines.join(', ')}`,
    );
  }
}
