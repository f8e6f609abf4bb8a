/**
 * The record type of the quantized-op catalogue, and the table row types derived from it (the FX backend
 * config rows, the dynamic rows, the fusion rules). The catalogue lives in runtime/ so that both the eager
 * API (runtime/eager) and the FX compiler (compiler/, its passes) read it without importing each other; it
 * sees graph nodes only through the structural `PatternNode` below.
 */
import type { Module } from '../../nn/module.js';

// biome-ignore lint/suspicious/noExplicitAny: module classes of any constructor signature
export type ModuleClass = abstract new (...args: any[]) => Module;
/** A class with torch's `from_float(observed_float_module)`. */
export type FromFloat = { from_float(mod: Module): Module; name: string };

/** What the rows read of a traced graph node (compiler/ir's Node satisfies it). */
export interface PatternNode {
  op: string;
  target: string;
  args: readonly unknown[];
  kwargs: Readonly<Record<string, unknown>>;
}

/**
 * How prepare observes an op (torch's ObservationType): 'different' = a new observer on the output;
 * 'share' = the output reuses the input's observer (the op keeps its input's qparams: pools, flatten,
 * reshape, relu, dropout; with several inputs (cat) every input shares the first input's observer too);
 * 'fixed' = fixed qparams (sigmoid, tanh, softmax).
 */
export type ObservationType = 'different' | 'share' | 'fixed';

/** What an op node is matched by: exactly one of module (class, exact), function (registry name), method. */
export interface OpMatcher {
  module?: ModuleClass;
  function?: string;
  method?: string;
}

/** A quantized value's qparams as convert knows them (compiler/passes/convert_observers' NodeQParams). */
export interface RowQParams {
  scale: number;
  zero_point: number;
  dtype: string;
}

/** How convert lowers a matched op. */
export type Lowering =
  /** an int8 module built by from_float from the observed float module */
  | { kind: 'module'; quantized: FromFloat }
  /**
   * the float op itself runs on quantized tensors (a pooling module or F function dispatches a quantized
   * input to the int8 kernel): the node stays, fed the quantized input — torch 1.13 keeps pooling ops so
   */
  | { kind: 'keep' }
  /** a 'quantized.*' function; `args` maps the float node (and its module) to the int8 op's extra args */
  | {
      kind: 'function';
      op: string;
      args: (node: PatternNode, mod: Module | null) => unknown[];
      takes_qparams?: boolean;
    }
  /**
   * a 'quantized.*' function whose output qparams are its own, derived from its input's and its args
   * (quantized.add_scalar / mul_scalar): the quantize after the op is dropped, not passed to it
   */
  | {
      kind: 'own_qparams';
      op: string;
      args: (node: PatternNode) => unknown[];
      /** The output (scale, zero_point) the op will produce for an input quantized at `input`. */
      out_qparams: (input: RowQParams, args: unknown[]) => { scale: number; zero_point: number };
    }
  /** the int8 op is the identity on quantized tensors (dropout in eval) */
  | { kind: 'identity' }
  /** no int8 kernel: kept in float between dequantize and quantize */
  | { kind: 'none' };

/** Which tensor args are quantized inputs: see QuantPatternRow.inputs. */
export type InputsKind = 'first' | 'tensors' | 'list' | 'one_tensor';

/** One row of the FX backend config (derived: compiler/quantize_fx/backend_config.ts). */
export interface QuantPatternRow {
  /** Readable name for messages and tables ('add_relu', 'nn.Conv2d'). */
  name: string;
  /** The op node (the last node of the pattern when `relu` is set). */
  op: OpMatcher;
  /** For fused rows: the relu node that follows `op` (op has one user); the observer goes after the relu. */
  relu?: OpMatcher;
  /**
   * For fused op → clamp rows (the fxq backend config): the clamp's float bounds, read from the clamp node and
   * its module; convert makes them the int8 module's output clamp and drops the clamp node. null: not a clamp
   * this row can fold (e.g. tensor bounds), so the row does not match.
   */
  clamp?: ClampBounds;
  /**
   * Which tensor args are quantized inputs: 'first', 'tensors' (every Node arg; two for a binary op),
   * 'list' (the list in arg 0), 'one_tensor' (the one Node operand of a tensor ⊕ number op).
   */
  inputs: InputsKind;
  /** Further condition on the op node (beyond `op`) for the row to apply: the operands' kinds. */
  accepts?: (node: PatternNode) => boolean;
  observation: ObservationType;
  /** For 'fixed': the output qparams (torch's default_fixed_qparams_range_*). */
  fixed_qparams?: { scale: number; zero_point: number };
  lowering: Lowering;
}

/** A dynamic-quantization row: a float module replaced by its dynamic int8 counterpart (weights only). */
export interface DynamicPatternRow {
  name: string;
  module: ModuleClass;
  quantized: FromFloat;
}

/**
 * Builds the fused module from the matched modules (forward order). is_qat: keep BatchNorm live
 * (ConvBn2d, …) for quantization-aware training; otherwise fold it into the weights (eval only).
 */
export type FuserMethod = (is_qat: boolean, ...mods: Module[]) => Module;

/** One fusion rule: the module types, in forward order, and the fuser method. */
export interface FusionRule {
  types: readonly ModuleClass[];
  fuser_method: FuserMethod;
}

/** The float bounds [min, max] of a clamp node (±Infinity for a missing bound), or null when they are not numbers. */
export type ClampBounds = (node: PatternNode, mod: Module | null) => [number, number] | null;

/** One graph spelling of a clamp (relu6, hardtanh, clamp) and how to read its bounds. */
export interface ClampForm {
  /** Row-name suffix ('relu6', 'hardtanh', 'clamp'). */
  name: string;
  op: OpMatcher;
  bounds: ClampBounds;
}

/** One graph spelling of an op and how convert lowers that spelling. */
export interface OpForm {
  op: OpMatcher;
  /** The row name of this spelling (default: the variant's or the record's name). */
  name?: string;
  lowering: Lowering;
}

/** One static-quantization variant of an op (add has two: tensor ⊕ number and tensor ⊕ tensor). */
export interface StaticVariant {
  name?: string;
  observation: ObservationType;
  inputs: InputsKind;
  accepts?: (node: PatternNode) => boolean;
  fixed_qparams?: { scale: number; zero_point: number };
  forms: OpForm[];
  /** `op → relu` fuses in the graph (every relu spelling): the fused row's lowering for a form. */
  fused_relu?: (form: OpForm) => Lowering;
  /** Only moves values (torch's general tensor value ops): quantized only when its input already is. */
  value_op?: boolean;
  /**
   * Rows `op → clamp` only (every clamp spelling, CLAMP_FORMS), one observer after the clamp, the clamp folded
   * into the int8 module's output clamp (forms with a 'module' lowering); the op alone keeps its other rows.
   */
  fused_clamp?: boolean;
}

/**
 * A static variant a backend config adds on top of the parity rows when it enables the change `change`
 * (backend_configs.ts): its rows are tried before the parity ones.
 */
export interface OptInVariant extends StaticVariant {
  change: string;
}

/** A float → quantized module swap (eager convert, FX dynamic convert). */
export interface ModuleSwap {
  float: ModuleClass;
  quantized: FromFloat;
  /** Row name in tables ('nn.Linear'). */
  name: string;
  /** Eager-mode only (FX leaves the float module): fxq's dynamic nn.RNN, which torch 1.13 has in neither. */
  eager_only?: boolean;
}

/** What the per-record test builds: an input shape and the float module of the op's module form. */
export interface OpExample {
  /** Input shape of the tiny model (before the op, a quantized producer makes the op's input). */
  input: number[];
  /** The float module of the op's module form (constructor arguments chosen for `input`). */
  module?: () => Module;
  /** Extra positional arguments after the tensor(s) for the function and method spellings. */
  args?: unknown[];
  /** The input is int64 indices in 0..indices − 1 (embeddings), not a float tensor. */
  indices?: number;
}

/** Everything fxq knows about one quantized op. */
export interface OpRecord {
  /** torch-style op name ('conv2d', 'hardswish'). */
  name: string;
  /** The reference float semantics (what the int8 op approximates). */
  semantics: string;
  /** Static (post-training / QAT) quantization under the default (qnnpack, torch 1.13 parity) config; none = not quantized. */
  static: StaticVariant[];
  /** Variants of opt-in backend configs (get_fxq_backend_config), each named by the change that enables it. */
  opt_in?: OptInVariant[];
  /**
   * Spellings the default (torch 1.13 parity) config leaves in float: they match no pattern, convert dequantizes
   * before them and their consumer's input observer quantizes their output (torch's softmax function, GELU,
   * getitem). prepare_fx does not warn about them.
   */
  float_island?: OpMatcher[];
  /** The int8 op's output gets its own qparams (so keeping the op float can matter to a precision search). */
  requantizes: boolean;
  /** Eager static mapping: float or QAT module → int8 module (torch's DEFAULT_STATIC_QUANT_MODULE_MAPPINGS). */
  eager_static?: ModuleSwap[];
  /** Dynamic quantization: float module → dynamic int8 module (eager and FX). */
  dynamic?: ModuleSwap[];
  /**
   * Weight-only swaps under float_qparams_weight_only_qconfig[_4bit] (torch 1.13's WEIGHT_ONLY_LOWER_MODULE_MAP:
   * embeddings): no activation observers; FX convert swaps the module as it does dynamic ones.
   */
  weight_only?: ModuleSwap[];
  /** Float → QAT module swaps (prepare_qat). */
  qat?: ModuleSwap[];
  /** Module fusions ending in this op's float module (torch's _DEFAULT_OP_LIST_TO_FUSER_METHOD rows). */
  fusions?: FusionRule[];
  /** The artifact module types (compiler/artifact MODULE_SPECS) that rebuild every module this op leaves in a converted model. */
  saved: string[];
  /** The tiny model the per-record test builds. */
  example: OpExample;
}
