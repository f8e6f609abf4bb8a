/**
 * Walks every record of the quantized-op catalogue: for each spelling (module form and functional forms),
 * a tiny model using the op is prepared, calibrated and converted (static; dynamic and QAT where the record
 * says so), saved with save_quantized, reloaded with load_quantized, and must give bit-identical outputs
 * before and after, on the js and the wasm backend. The tables derived from the catalogue are checked too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODULE_SPECS, spec_of } from '../../compiler/artifact/module_specs.js';
import { load_quantized, save_quantized } from '../../compiler/artifact/node/index.js';
import type { GraphModule } from '../../compiler/ir/graph_module.js';
import { convert_fx } from '../../compiler/quantize_fx/convert.js';
import { get_quantization_warnings, prepare_fx, prepare_qat_fx } from '../../compiler/quantize_fx/prepare.js';
import { register_leaf_namespace } from '../../compiler/trace/leaf.js';
import { symbolic_trace } from '../../compiler/trace/symbolic_trace.js';
import { get_backend, set_backend } from '../../runtime/backends/registry.js';
import { load_wasm_backend } from '../../runtime/backends/wasm/index.js';
import { convert } from '../../runtime/eager/convert.js';
import { prepare } from '../../runtime/eager/prepare.js';
import { quantize_dynamic } from '../../runtime/eager/quantize_dynamic.js';
import { DeQuantStub, QuantStub } from '../../runtime/eager/stubs.js';
import * as F from '../../runtime/nn/functional/index.js';
import { Conv2d } from '../../runtime/nn/layers/conv.js';
import { Conv1d } from '../../runtime/nn/layers/conv_more.js';
import { Module } from '../../runtime/nn/module.js';
import type { QConfig } from '../../runtime/quant/qconfig.js';
import {
  default_dynamic_qconfig,
  float_qparams_weight_only_qconfig,
  float_qparams_weight_only_qconfig_4bit,
  get_default_qat_qconfig,
  get_default_qconfig,
} from '../../runtime/quant/qconfig.js';
import {
  EAGER_DYNAMIC_SWAPS,
  EAGER_STATIC_SWAPS,
  FUSION_RULES,
  OP_CATALOGUE,
  type OpForm,
  type OpRecord,
  RELU_FORMS,
  REQUANTIZING_FUNCTIONS,
  SAVED_MODULE_TYPES,
  STATIC_PATTERNS,
  type StaticVariant,
} from '../../runtime/quantized/op_catalogue/index.js';
import { randn } from '../../runtime/tensor/creation.js';
import { call_method, has_method, lookup_function } from '../../runtime/tensor/dispatch.js';
import { manual_seed } from '../../runtime/tensor/random.js';
import { type Tensor, Tensor as TensorClass } from '../../runtime/tensor/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-op-catalogue-'));
afterAll(() => {
  set_backend('js');
  rmSync(dir, { recursive: true, force: true });
});

type Op = (...a: unknown[]) => unknown;

/** A tiny model: 1×1 convs (Conv1d for a 3-d input) make the op's quantized input(s), then the op (and a relu when `relu`). */
class OpModel extends Module {
  pre: Module | null;
  pre2: Module | null;
  m: Module | null;
  constructor(
    channels: number | null,
    m: Module | null,
    readonly call: (self: OpModel, a: unknown, b: unknown) => unknown,
    rank = 4,
  ) {
    super();
    const pre = (c: number) => (rank === 3 ? new Conv1d(c, c, 1) : new Conv2d(c, c, 1));
    this.pre = channels ? pre(channels) : null;
    this.pre2 = channels ? pre(channels) : null;
    this.m = m;
  }
  forward(x: Tensor): unknown {
    const a = this.pre ? (this.pre as Conv2d).forward(x) : x;
    const b = this.pre2 ? (this.pre2 as Conv2d).forward(x) : x;
    return this.call(this, a, b);
  }
}

/** The form's op as a function of its tensor operand(s), for the function and method spellings. */
function form_op(form: OpForm, record: OpRecord): ((self: OpModel, ...t: unknown[]) => unknown) | null {
  const extra = record.example.args ?? [];
  // spellings fxq's runtime does not define (torch's `x.hardsigmoid()` …) are matched, but cannot be written
  if (form.op.function) {
    const fn = lookup_function(form.op.function) as Op | undefined;
    if (!fn) return null;
    return (_s, ...t) => fn(...t, ...extra);
  }
  if (form.op.method) {
    if (!has_method(form.op.method)) return null;
    const name = form.op.method;
    return (_s, x, ...t) => call_method(name, x, [...t, ...extra]);
  }
  // only the record's own float module is built directly (fused and QAT modules come from fuse / prepare_qat)
  const example = record.example.module?.();
  if (!example || example.constructor !== form.op.module) return null;
  return (s, x) => (s.m as unknown as { forward: Op }).forward(x);
}

/** The model of one (variant, form), or null when the form is not built directly. */
function static_model(record: OpRecord, v: StaticVariant, form: OpForm, relu: boolean): OpModel | null {
  const op = form_op(form, record);
  if (!op) return null;
  // a relu right after a conv would fuse into it: the relu record's example reads a hardswish output
  const fuses = RELU_FORMS.includes(form.op);
  const call = (self: OpModel, a0: unknown, b: unknown): unknown => {
    const a = fuses ? F.hardswish(a0 as Tensor) : a0;
    const y =
      v.inputs === 'tensors'
        ? op(self, a, b)
        : v.inputs === 'one_tensor'
          ? op(self, a, 0.75)
          : v.inputs === 'list'
            ? op(self, [a, b])
            : op(self, a);
    return relu ? (y as Tensor).relu() : y;
  };
  const m = form.op.module ? (record.example.module?.() ?? null) : null;
  return new OpModel(record.example.input[1], m, call, record.example.input.length);
}

/** Eager mode: QuantStub → the op's module → DeQuantStub, with a model-wide qconfig. */
class EagerModel extends Module {
  declare qconfig?: QConfig | null;
  quant = new QuantStub();
  dequant = new DeQuantStub();
  constructor(public m: Module) {
    super();
  }
  forward(x: Tensor): Tensor {
    const y = (this.m as unknown as { forward: Op }).forward(this.quant.forward(x));
    return this.dequant.forward(y as Tensor);
  }
}

function input_of(record: OpRecord, seed: number): Tensor {
  manual_seed(seed);
  const rows = record.example.indices;
  // embeddings take int64 indices
  if (rows) {
    const u = randn(record.example.input).data;
    return new TensorClass(
      Float64Array.from(u, (v) => Math.min(rows - 1, Math.floor(Math.abs(v) * (rows / 3)))),
      record.example.input,
      'int64',
    );
  }
  return randn(record.example.input).mul(2);
}

function run_on(backend: 'js' | 'wasm', gm: GraphModule, x: Tensor): number[] {
  const prev = get_backend().name as 'js' | 'wasm';
  set_backend(backend);
  try {
    const out = gm.forward(x);
    const t = (Array.isArray(out) ? out[0] : out) as Tensor;
    return [...(t.data as Float32Array)];
  } finally {
    set_backend(prev);
  }
}

let saved = 0;
/**
 * Saves and reloads `q`; the reloaded model must match `q` bit for bit on js and on wasm, and the int8
 * model give the same bits on both backends (`float`: an fp32 model, whose wasm sgemm sums in another order).
 */
function round_trip(q: GraphModule, x: Tensor, float = false): void {
  const path = join(dir, `m${saved++}.safetensors`);
  save_quantized(q, path);
  const loaded = load_quantized(path);
  const js = run_on('js', q, x);
  expect(run_on('js', loaded, x)).toEqual(js);
  expect(run_on('wasm', loaded, x)).toEqual(float ? run_on('wasm', q, x) : js);
}

/** The converted graph shows the op's int8 form: its quantized.* function or its int8 module. */
function expect_lowered(q: GraphModule, form: OpForm, relu: boolean, v: StaticVariant): void {
  const low = relu && v.fused_relu ? v.fused_relu(form) : form.lowering;
  if (low.kind === 'function' || low.kind === 'own_qparams')
    expect(q.graph.nodes.map((n) => n.target)).toContain(low.op);
  else if (low.kind === 'module') {
    const classes = q.graph.nodes
      .filter((n) => n.op === 'call_module')
      .map((n) => q.get_submodule(n.target).constructor);
    expect(classes).toContain(low.quantized);
  }
}

describe('every catalogue record: prepare, calibrate, convert, save, reload, bit-identical on js and wasm', () => {
  load_wasm_backend();
  for (const record of OP_CATALOGUE) {
    describe(record.name, () => {
      for (const v of record.static) {
        for (const form of v.forms) {
          for (const relu of v.fused_relu ? [false, true] : [false]) {
            const m = static_model(record, v, form, relu);
            if (!m) continue;
            const label = `${form.name ?? v.name ?? record.name}${relu ? ' → relu' : ''} (${JSON.stringify(form.op, (_k, val) => (typeof val === 'function' ? val.name : val))}, ${v.inputs})`;
            it(`static: ${label}`, () => {
              const x = input_of(record, 1);
              const p = prepare_fx(m.eval(), { '': get_default_qconfig('qnnpack') }, [x]);
              for (let s = 2; s < 5; s++) p.forward(input_of(record, s));
              const q = convert_fx(p);
              expect_lowered(q, form, relu, v);
              round_trip(q, x);
            });
          }
        }
      }
      for (const form of record.float_island ?? []) {
        const op = form_op({ op: form, lowering: { kind: 'none' } }, record);
        if (!op) continue;
        it(`float island: ${JSON.stringify(form, (_k, val) => (typeof val === 'function' ? val.name : val))}: no warning, runs on the dequantized input`, () => {
          const x = input_of(record, 1);
          const m = new OpModel(
            record.example.input[1],
            form.module ? (record.example.module?.() ?? null) : null,
            (self, a) => op(self, a),
          );
          const p = prepare_fx(m.eval(), { '': get_default_qconfig('qnnpack') }, [x], null, { warn: false });
          expect(get_quantization_warnings(p)).toEqual([]);
          p.forward(x);
          const q = convert_fx(p, { warn: false });
          const node = q.graph.nodes.find(
            (n) => n.op.startsWith('call_') && n.target === (form.method ?? form.function ?? 'm'),
          );
          expect((node?.args[0] as { target?: string } | undefined)?.target, q.code).toBe('dequantize');
        });
      }
      if (record.qat?.length) {
        it('QAT: prepare_qat_fx, a few training-mode steps, convert', () => {
          const x = input_of(record, 1);
          const m = new OpModel(
            record.example.input[1],
            record.example.module?.() ?? null,
            (s, a) => (s.m as unknown as { forward: Op }).forward(a),
            record.example.input.length,
          );
          const p = prepare_qat_fx(m.train(), { '': get_default_qat_qconfig('qnnpack') }, [x]);
          for (let s = 2; s < 5; s++) p.forward(input_of(record, s));
          const q = convert_fx(p.eval());
          const want = record.eager_static?.[0]?.quantized;
          const classes = q.graph.nodes
            .filter((n) => n.op === 'call_module')
            .map((n) => q.get_submodule(n.target).constructor);
          expect(classes).toContain(want);
          round_trip(q, x);
        });
      }
      for (const swap of (record.dynamic ?? []).filter((s) => !s.eager_only)) {
        it(`dynamic: ${swap.name}`, () => {
          const x = input_of(record, 1);
          // a swap of a fused class (nn.intrinsic.LinearReLU) is reached by fusing the module with a relu
          const mod = record.example.module?.() ?? null;
          const fused = mod?.constructor !== swap.float;
          const m = new OpModel(null, mod, (s, a) => {
            const out = (s.m as unknown as { forward: Op }).forward(a);
            const y = Array.isArray(out) ? out[0] : out;
            return fused ? (y as Tensor).relu() : y;
          });
          const p = prepare_fx(m.eval(), { '': default_dynamic_qconfig }, [x]);
          const q = convert_fx(p);
          expect(q.get_submodule('m').constructor).toBe(swap.quantized);
          round_trip(q, x);
        });
      }
      for (const swap of record.weight_only ?? []) {
        for (const [bits, qconfig] of [
          [8, float_qparams_weight_only_qconfig],
          [4, float_qparams_weight_only_qconfig_4bit],
        ] as const) {
          it(`weight-only (${bits}-bit): ${swap.name} → ${swap.quantized.name} in FX and eager`, () => {
            const x = input_of(record, 1);
            manual_seed(7);
            const m = new OpModel(null, record.example.module?.() ?? null, (s, a) =>
              (s.m as unknown as { forward: Op }).forward(a),
            );
            const q = convert_fx(prepare_fx(m.eval(), { '': qconfig }, [x]));
            expect(q.get_submodule('m').constructor).toBe(swap.quantized);
            round_trip(q, x);
            manual_seed(7);
            const e = new OpModel(null, record.example.module?.() ?? null, (s, a) =>
              (s.m as unknown as { forward: Op }).forward(a),
            );
            (e.m as unknown as { qconfig: QConfig }).qconfig = qconfig;
            const qe = convert(prepare(e.eval()));
            expect(qe.m?.constructor).toBe(swap.quantized);
            expect([...(qe.forward(x) as Tensor).data]).toEqual(run_on('js', q, x));
          });
        }
      }
      const eager = record.weight_only
        ? undefined
        : record.eager_static?.find((s) => s.float === record.example.module?.().constructor);
      if (eager) {
        it(`eager static: ${eager.name} → ${eager.quantized.name} (prepare, calibrate, convert), identical on js and wasm`, () => {
          const model = new EagerModel(record.example.module?.() as Module);
          model.qconfig = get_default_qconfig('qnnpack');
          const p = prepare(model.eval());
          for (let s = 2; s < 5; s++) p.forward(input_of(record, s));
          const q = convert(p);
          expect(q.m.constructor).toBe(eager.quantized);
          const x = input_of(record, 1);
          const fwd = (b: 'js' | 'wasm') => {
            set_backend(b);
            const out = q.forward(x);
            set_backend('js');
            return [...(out.data as Float32Array)];
          };
          expect(fwd('wasm')).toEqual(fwd('js'));
        });
      }
      for (const swap of (record.dynamic ?? []).filter((s) => s.eager_only)) {
        it(`eager dynamic: ${swap.name} → ${swap.quantized.name}, traced, saved, reloaded`, () => {
          const x = input_of(record, 1);
          const m = new OpModel(null, record.example.module?.() ?? null, (s, a) => {
            const out = (s.m as unknown as { forward: Op }).forward(a);
            return Array.isArray(out) ? out[0] : out;
          });
          const q = quantize_dynamic(m.eval());
          expect(q.m?.constructor).toBe(swap.quantized);
          // the dynamic modules are not in runtime/quantized's top-level namespace: a leaf for this trace
          register_leaf_namespace({ [swap.quantized.name]: swap.quantized });
          round_trip(symbolic_trace(q), x);
        });
      }
      if (!record.static.length && record.example.module) {
        it('not quantized in FX: the float module is kept, saved and reloaded', () => {
          const x = input_of(record, 1);
          const m = new OpModel(null, record.example.module?.() ?? null, (s, a) => {
            const out = (s.m as unknown as { forward: Op }).forward(a);
            return Array.isArray(out) ? out[0] : out;
          });
          const p = prepare_fx(m.eval(), { '': get_default_qconfig('qnnpack') }, [x]);
          const q = convert_fx(p);
          expect(q.get_submodule('m').constructor).toBe(record.example.module?.().constructor);
          round_trip(q, x, true);
        });
      }
    });
  }
});

describe('tables derived from the catalogue', () => {
  it('every spelling is built by the walk above except the Tensor methods fxq does not define', () => {
    const unbuilt: string[] = [];
    for (const r of OP_CATALOGUE)
      for (const v of r.static)
        for (const f of v.forms) {
          if (f.op.function && !lookup_function(f.op.function)) unbuilt.push(`${r.name}: ${f.op.function}()`);
          if (f.op.method && !has_method(f.op.method)) unbuilt.push(`${r.name}: x.${f.op.method}()`);
        }
    // fxq's Tensor has no hardsigmoid method: that row (from torch's backend_config) matches hand-built graphs only
    expect(unbuilt).toEqual(['hardsigmoid: x.hardsigmoid()']);
  });

  it('every artifact type a record names has a module spec, and every int8 module a record yields is saveable', () => {
    const types = new Set(MODULE_SPECS.map((s) => s.type));
    for (const t of SAVED_MODULE_TYPES) expect(types, t).toContain(t);
    for (const r of OP_CATALOGUE) {
      const classes = [
        ...r.static.flatMap((v) =>
          v.forms.flatMap((f) => (f.lowering.kind === 'module' ? [f.lowering.quantized] : [])),
        ),
        ...(r.dynamic ?? []).map((s) => s.quantized),
      ];
      for (const c of classes) {
        const spec = MODULE_SPECS.find((s) => (s.cls as unknown) === c);
        expect(spec, `${r.name}: ${c.name}`).toBeDefined();
        expect(r.saved, `${r.name} saved`).toContain(spec?.type);
      }
    }
    expect(() => spec_of(new Module() as never, 'x')).not.toThrow();
  });

  it('requantizing functions include hardswish and mul_relu; fused relu spellings are the relu record', () => {
    for (const f of ['add', 'add_relu', 'mul', 'mul_relu', 'cat', 'hardswish'])
      expect(REQUANTIZING_FUNCTIONS).toContain(f);
    expect(RELU_FORMS).toHaveLength(4);
    expect(STATIC_PATTERNS.filter((r) => r.name === 'add_relu' && !r.accepts)).toHaveLength(2 * RELU_FORMS.length);
  });

  it('eager mappings and fusion rules come from the records', () => {
    const n = (rs: readonly OpRecord[], k: 'eager_static' | 'dynamic' | 'fusions') =>
      rs.reduce((s, r) => s + (r[k]?.length ?? 0), 0);
    expect(EAGER_STATIC_SWAPS).toHaveLength(n(OP_CATALOGUE, 'eager_static'));
    expect(EAGER_DYNAMIC_SWAPS).toHaveLength(n(OP_CATALOGUE, 'dynamic'));
    expect(FUSION_RULES).toHaveLength(n(OP_CATALOGUE, 'fusions'));
  });
});
