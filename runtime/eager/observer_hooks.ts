/**
 * torch's forward hooks for observers, in fxq's terms: a module observed by eager prepare gets child
 * `activation_post_process` and an own `forward` that runs the class's forward and then the observer on
 * the output. The wrapper uses `this`, so a deepcopy of a prepared model observes into its own observers.
 */
import { Module } from '../nn/module.js';
import type { QConfig } from '../quant/qconfig.js';
import { Tensor } from '../tensor/tensor.js';

type Slots = Record<string, unknown>;
type Forward = (this: Module, ...args: unknown[]) => unknown;

/** Marks the wrapper so convert can tell it from a user's own forward. */
const HOOKED = Symbol.for('fxq.observer_forward_hook');

interface Hooked extends Forward {
  [HOOKED]: Forward;
}

/** True when `m` carries an observer inserted by prepare (wrapper forward + activation_post_process). */
export function has_observer_hook(m: Module): boolean {
  const f = Object.getOwnPropertyDescriptor(m, 'forward')?.value as Partial<Hooked> | undefined;
  return typeof f === 'function' && HOOKED in f;
}

/** m.activation_post_process = qconfig.activation(); forward now observes its output (torch's _observer_forward_hook). */
export function insert_activation_post_process(m: Module, qconfig: QConfig): void {
  const obs = qconfig.activation();
  if (!(obs instanceof Module) || typeof (obs as unknown as Slots).forward !== 'function')
    throw new Error(`prepare: qconfig.activation() for ${m.constructor.name} did not build an observer module`);
  m.add_module('activation_post_process', obs);
  if (has_observer_hook(m)) return;
  const inner = m.forward as unknown as Forward;
  const hooked = function (this: Module, ...args: unknown[]): unknown {
    const y = inner.apply(this, args);
    const post = (this as unknown as Slots).activation_post_process as Module | undefined;
    if (!post) return y;
    if (!(y instanceof Tensor))
      throw new Error(
        `observer of ${this.constructor.name}: its output is ${Array.isArray(y) ? 'an array' : typeof y}, not a Tensor, so activation_post_process cannot observe it; give this module qconfig = null`,
      );
    return post.call(y);
  } as Hooked;
  hooked[HOOKED] = inner;
  // not enumerable: Object.entries (children, state) must not see it; deepcopy copies it (shared function)
  Object.defineProperty(m, 'forward', { value: hooked, writable: true, configurable: true, enumerable: false });
}

/** Undoes insert_activation_post_process: the class's forward again, no activation_post_process child. */
export function remove_activation_post_process(m: Module): void {
  if (!has_observer_hook(m)) return;
  delete (m as unknown as Slots).forward;
  delete (m as unknown as Slots).activation_post_process;
}
