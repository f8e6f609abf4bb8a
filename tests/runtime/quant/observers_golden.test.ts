import { describe, expect, it } from 'vitest';
import type { QuantDType } from '../../../runtime/tensor/dtype.js';
import '../../../runtime/tensor/index.js';
import {
  HistogramObserver,
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
  PerChannelMinMaxObserver,
  quantize_per_channel,
  quantize_per_tensor,
} from '../../../runtime/quant/index.js';
import type { UniformQuantizationObserverBase } from '../../../runtime/quant/observer_base.js';
import type { Tensor } from '../../../runtime/tensor/tensor.js';
import { load_observer_goldens, torch_name } from './_fixtures.js';

const { cases, tensors } = load_observer_goldens();

const CLASSES: Record<string, new (o: Record<string, unknown>) => UniformQuantizationObserverBase> = {
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  PerChannelMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
  HistogramObserver,
} as never;

function options_of(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, torch_name(v)]));
}

function get(key: string): Tensor {
  const t = tensors[key];
  if (!t) throw new Error(`golden tensor '${key}' missing`);
  return t;
}

function expect_rel(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(Math.abs(expected[i]), 1e-30);
    expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}

describe('observers match PyTorch 1.13 goldens', () => {
  it('covers every observer family of the golden file', () => {
    expect(new Set(cases.map((c) => c.observer))).toEqual(new Set(Object.keys(CLASSES)));
  });

  for (const c of cases) {
    it(c.id, () => {
      const cls = CLASSES[c.observer];
      const obs = new cls(options_of(c.kwargs));
      // resolved settings agree with torch's
      expect(obs.dtype).toBe(torch_name(c.resolved.dtype));
      expect(obs.qscheme).toBe(torch_name(c.resolved.qscheme));
      expect(obs.quant_min).toBe(c.resolved.quant_min);
      expect(obs.quant_max).toBe(c.resolved.quant_max);
      for (const name of c.inputs_in_order) obs.forward(get(`input/${name}`));
      const [scale, zp] = obs.calculate_qparams();
      const pre = `case/${c.id}/`;
      expect(scale.dtype).toBe('float32');
      expect(zp.dtype).toBe(torch_name(c.zero_point_dtype));
      // the issue asks for 1e-6 relative; fxq is bit-equal to PyTorch today, so hold it to that
      expect_rel(scale.data, get(`${pre}scale`).data, 0, 'scale');
      expect([...zp.data]).toEqual([...get(`${pre}zero_point`).data]);
      const st = obs.state_dict();
      expect([...st.min_val.data]).toEqual([...get(`${pre}min_val`).data]);
      expect([...st.max_val.data]).toEqual([...get(`${pre}max_val`).data]);
      if (c.observer === 'HistogramObserver') {
        expect_rel(st.histogram.data, get(`${pre}histogram`).data, 0, 'histogram');
      }
      const last = get(`input/${c.inputs_in_order[c.inputs_in_order.length - 1]}`);
      const q = obs.qscheme.startsWith('per_channel')
        ? quantize_per_channel(last, scale, zp, (obs as PerChannelMinMaxObserver).ch_axis, obs.dtype as QuantDType)
        : quantize_per_tensor(last, scale.data[0], zp.data[0], obs.dtype as QuantDType);
      expect([...q.int_repr().data]).toEqual([...get(`${pre}q_last_input`).data]);
    });
  }
});
