import { Tensor } from '../tensor/tensor.js';

/** Hyper-parameters every optimizer has; subclasses add their own (momentum, betas, …). */
export interface OptimizerDefaults {
  lr: number;
}

/** One parameter group: its tensors plus its own copy of every hyper-parameter (torch's dict). */
export type ParamGroup<O extends OptimizerDefaults> = O & { params: Tensor[]; initial_lr?: number };

/** What a constructor accepts: tensors, or groups of tensors with per-group overrides. */
export type ParamsInput<O extends OptimizerDefaults> = Iterable<Tensor> | (Partial<O> & { params: Iterable<Tensor> })[];

/** Per-parameter state (momentum buffers, moments, step counts). */
export type ParamState = Record<string, Tensor | number>;

/** A serialisable snapshot: parameters are referred to by their index across groups, as torch does. */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: Record<string, unknown>[];
}

function is_group_list<O extends OptimizerDefaults>(
  p: ParamsInput<O>,
): p is (Partial<O> & { params: Iterable<Tensor> })[] {
  return Array.isArray(p) && p.length > 0 && !(p[0] instanceof Tensor);
}

/**
 * Base of all optimizers, as torch.optim.Optimizer: param_groups with per-group hyper-parameters,
 * per-parameter `state`, zero_grad and step. Updates write into the parameters' storage in place.
 */
export abstract class Optimizer<O extends OptimizerDefaults = OptimizerDefaults> {
  readonly defaults: O;
  param_groups: ParamGroup<O>[] = [];
  state = new Map<Tensor, ParamState>();

  constructor(params: ParamsInput<O>, defaults: O) {
    this.defaults = defaults;
    const groups = is_group_list(params) ? params : [{ params } as Partial<O> & { params: Iterable<Tensor> }];
    if (groups.length === 0) throw new Error(`${this.constructor.name}: optimizer got an empty parameter list`);
    for (const g of groups) this.add_param_group(g);
  }

  /** Adds a group; missing hyper-parameters come from the defaults. */
  add_param_group(group: Partial<O> & { params: Iterable<Tensor> }): void {
    const name = this.constructor.name;
    const params = [...group.params];
    if (params.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    const seen = new Set(this.param_groups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!(p instanceof Tensor))
        throw new Error(`${name}: params[${i}] of group ${this.param_groups.length} is not a Tensor`);
      if (!p.is_leaf)
        throw new Error(`${name}: can't optimize a non-leaf Tensor (params[${i}], shape [${p.shape.join(', ')}])`);
      if (p.dtype !== 'float32')
        throw new Error(`${name}: can only optimize float32 tensors, params[${i}] is ${p.dtype}`);
      if (seen.has(p)) throw new Error(`${name}: some parameters appear in more than one parameter group`);
      seen.add(p);
    });
    this.param_groups.push({ ...this.defaults, ...group, params } as ParamGroup<O>);
  }

  /** Clears gradients: to null (set_to_none, the default) or to fresh zero tensors. */
  zero_grad(set_to_none = true): void {
    for (const g of this.param_groups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        // a new zero tensor rather than zeroing in place: autograd may share one grad between tensors
        p.grad = set_to_none ? null : new Tensor(new Float32Array(p.numel()), p.shape, 'float32');
      }
    }
  }

  /** One update of every parameter with a gradient; `closure` re-evaluates the loss first, as in torch. */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure ? closure() : undefined;
    for (const g of this.param_groups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (p.grad.numel() !== p.numel()) {
          throw new Error(
            `${this.constructor.name}: grad of shape [${p.grad.shape}] does not match parameter [${p.shape}]`,
          );
        }
        let st = this.state.get(p);
        if (!st) {
          st = {};
          this.state.set(p, st);
        }
        this.update(p, p.grad.data as Float32Array, g, st);
      }
    }
    return loss;
  }

  /** Applies one update to `p` (in place) from its gradient values, its group and its state. */
  protected abstract update(p: Tensor, grad: Float32Array, group: ParamGroup<O>, state: ParamState): void;

  /** torch-shaped state_dict: per-parameter state keyed by the parameter's index across groups. */
  state_dict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    let idx = 0;
    const param_groups = this.param_groups.map((g) => {
      const { params, ...rest } = g;
      const ids = params.map((p) => {
        const s = this.state.get(p);
        if (s) {
          const copy: ParamState = {};
          for (const [k, v] of Object.entries(s)) copy[k] = v instanceof Tensor ? v.clone() : v;
          state[idx] = copy;
        }
        return idx++;
      });
      return { ...rest, params: ids };
    });
    return { state, param_groups };
  }

  /** Restores a state_dict from an optimizer over the same parameter layout. */
  load_state_dict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    if (sd.param_groups.length !== this.param_groups.length) {
      throw new Error(
        `${name}.load_state_dict: loaded state has ${sd.param_groups.length} parameter groups, optimizer has ${this.param_groups.length}`,
      );
    }
    const flat: Tensor[] = [];
    sd.param_groups.forEach((src, i) => {
      const dst = this.param_groups[i];
      const ids = src.params as number[];
      if (ids.length !== dst.params.length) {
        throw new Error(
          `${name}.load_state_dict: group ${i} has ${ids.length} parameters in the state, ${dst.params.length} in the optimizer`,
        );
      }
      flat.push(...dst.params);
    });
    this.state.clear();
    for (const [k, s] of Object.entries(sd.state)) {
      const p = flat[Number(k)];
      if (!p) throw new Error(`${name}.load_state_dict: state for parameter index ${k} has no parameter`);
      const copy: ParamState = {};
      for (const [sk, v] of Object.entries(s)) copy[sk] = v instanceof Tensor ? v.clone() : v;
      this.state.set(p, copy);
    }
    sd.param_groups.forEach((src, i) => {
      const { params: _ids, ...rest } = src;
      Object.assign(this.param_groups[i], rest);
    });
  }
}
