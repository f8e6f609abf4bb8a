/**
 * The weight observer torch's dynamic modules fall back to when `mod.qconfig` is unset (default_dynamic_qconfig:
 * MinMaxObserver, qint8, per-tensor symmetric). minmax_observer.ts installs it when loaded, so the dynamic
 * modules reach the observers only through from_float: `load_quantized` (fxq/inference) does not bundle them.
 */

/** What the slot builds: an observer with forward / calculate_qparams. */
export type WeightObserverFactory = () => unknown;

let factory: WeightObserverFactory | null = null;

export function set_default_dynamic_weight_observer(f: WeightObserverFactory): void {
  factory = f;
}

/** The fallback factory; an error naming `where` when no observer module has been loaded. */
export function default_dynamic_weight_observer(where: string): WeightObserverFactory {
  if (!factory)
    throw new Error(
      `${where}: the module has no qconfig and the default weight observer (MinMaxObserver) is not loaded: import fxq (or runtime/quant/minmax_observer.js), or set mod.qconfig`,
    );
  return factory;
}
