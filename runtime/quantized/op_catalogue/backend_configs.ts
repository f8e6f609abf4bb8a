/**
 * Named backend configs (torch.ao's BackendConfig, as data over the one catalogue): `qnnpack`, PyTorch 1.13
 * qnnpack parity and the default of prepare_fx / convert_fx, and `fxq`, the opt-in config that goes beyond
 * PyTorch. Each difference of `fxq` is a named change (FXQ_CHANGES): records add variants under that name
 * (OpRecord.opt_in), passes read the others as switches (`has`). A new opt-in behaviour = one entry here plus
 * the records' variants or the pass that reads it; `without(...)` / `get_fxq_backend_config({ changes })`
 * pick changes one by one (ablations).
 */
import type { Module } from '../../nn/module.js';
import { OP_CATALOGUE } from './catalogue.js';
import { find_fused_row, find_static_row, static_patterns, value_ops } from './patterns.js';
import type { PatternNode, QuantPatternRow } from './types.js';

/** One named difference of an opt-in config from PyTorch 1.13 parity. */
export interface BackendConfigChange {
  name: string;
  /** What it changes and why (the README's table repeats these). */
  summary: string;
}

/** Every change the `fxq` config makes, in the order the README documents them. */
export const FXQ_CHANGES: readonly BackendConfigChange[] = [
  {
    name: 'clamp_in_output_observer',
    summary:
      'conv / linear → ReLU6, hardtanh or clamp is one pattern: the output observer sits after the clamp, so the int8 range covers only values the clamp lets through, and the clamp becomes the int8 module’s output clamp (no clamp node)',
  },
  {
    name: 'flatten_method',
    summary:
      '`x.flatten(...)` (the Tensor method) is quantized like torch.flatten, sharing its input’s qparams: no dequantize → float flatten → quantize island',
  },
  {
    name: 'cat_shared_qparams',
    summary:
      'a cat input that reaches the cat from a conv / linear through ops that keep qparams (clamps, pools, flatten), each with one user, is requantized by that conv / linear straight into the cat’s qparams: one rounding, no requantization at the cat',
  },
  {
    name: 'getitem_shares_qparams',
    summary:
      'indexing (`qkv[0]`, `x[:, 0]`: Tensor.index) keeps its input’s qparams, the same integers selected; torch 1.13 runs it as a float island that requantizes with a new observer',
  },
  {
    name: 'int8_gelu',
    summary:
      'GELU (module, F.gelu) has its own output observer and runs in int8 through a 256-entry table (quantized.gelu_island: bit-identical to dequantize → GELU → quantize); torch 1.13 leaves it float',
  },
  {
    name: 'int8_softmax',
    summary:
      'the softmax function / method has its own output observer and runs as the integer softmax (quantized.softmax_int); torch 1.13 leaves it float',
  },
  {
    name: 'fold_clamps',
    summary:
      'convert folds the remaining relu / relu6 / hardtanh nodes that share an int8 conv’s or linear’s qparams into its output clamp (bit-identical; one pass over the activation less)',
  },
];

/** A named set of changes over the parity rows: what prepare_fx observes and convert_fx lowers. */
export class BackendConfig {
  readonly name: string;
  readonly changes: readonly BackendConfigChange[];
  /** The static rows (opt-in rows first): what insert_observers matches. */
  readonly static_patterns: readonly QuantPatternRow[];
  /** Row names of ops that only move values (quantized only when their input already is). */
  readonly value_ops: ReadonlySet<string>;
  private readonly names: ReadonlySet<string>;

  constructor(name: string, changes: readonly BackendConfigChange[] = []) {
    this.name = name;
    this.changes = [...changes];
    this.names = new Set(changes.map((c) => c.name));
    this.static_patterns = static_patterns(OP_CATALOGUE, this.names);
    this.value_ops = value_ops(OP_CATALOGUE, this.names);
  }

  /** True when the change `name` is on. */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** The first unfused static row matching `node`. */
  find_static_row(node: PatternNode, mod: Module | null): QuantPatternRow | null {
    return find_static_row(node, mod, this.static_patterns);
  }

  /** The fused row (op → relu / clamp) matching the pair, if any. */
  find_fused_row(op: PatternNode, op_mod: Module | null, relu: PatternNode, relu_mod: Module | null) {
    return find_fused_row(op, op_mod, relu, relu_mod, this.static_patterns);
  }

  /** This config without the named changes (an error names an unknown one). */
  without(...names: string[]): BackendConfig {
    for (const n of names) if (!this.has(n)) throw new Error(`BackendConfig '${this.name}' has no change '${n}'`);
    return new BackendConfig(
      `${this.name} without ${names.join(', ')}`,
      this.changes.filter((c) => !names.includes(c.name)),
    );
  }

  toString(): string {
    return `BackendConfig(name='${this.name}', changes=[${this.changes.map((c) => c.name).join(', ')}])`;
  }
}

/** PyTorch 1.13's qnnpack backend config as fxq has it: the default, reproduced bit for bit. */
export function get_qnnpack_backend_config(): BackendConfig {
  return PARITY;
}

/**
 * The opt-in `fxq` config: every change of FXQ_CHANGES, or only those named in `options.changes` (an unknown
 * name is an error listing the known ones).
 */
export function get_fxq_backend_config(options: { changes?: readonly string[] } = {}): BackendConfig {
  if (!options.changes) return FXQ;
  const known = FXQ_CHANGES.map((c) => c.name);
  for (const n of options.changes)
    if (!known.includes(n))
      throw new Error(`get_fxq_backend_config: unknown change '${n}' (known: ${known.join(', ')})`);
  const picked = FXQ_CHANGES.filter((c) => options.changes?.includes(c.name));
  return new BackendConfig(`fxq[${picked.map((c) => c.name).join(', ')}]`, picked);
}

const PARITY = new BackendConfig('qnnpack');
const FXQ = new BackendConfig('fxq', FXQ_CHANGES);
