/** with_fp32_numerics: the mode holds inside the callback only, and is restored when the callback throws or rejects. */
import { afterEach, describe, expect, it } from 'vitest';
import { set_fp32_numerics, with_fp32_numerics } from '../../../runtime/backends/fp32_numerics.js';
import { get_fp32_numerics } from '../../../runtime/backends/registry.js';

afterEach(() => set_fp32_numerics('fast'));

describe('with_fp32_numerics', () => {
  it('sets the mode for the callback, returns its value and restores the previous mode', () => {
    const seen = with_fp32_numerics('pytorch_x86', () => get_fp32_numerics());
    expect(seen).toBe('pytorch_x86');
    expect(get_fp32_numerics()).toBe('fast');
    set_fp32_numerics('pytorch_x86');
    expect(with_fp32_numerics('fast', () => get_fp32_numerics())).toBe('fast');
    expect(get_fp32_numerics()).toBe('pytorch_x86');
  });

  it('restores the previous mode when the callback throws', () => {
    expect(() =>
      with_fp32_numerics('pytorch_x86', () => {
        throw new Error('calibration failed');
      }),
    ).toThrow('calibration failed');
    expect(get_fp32_numerics()).toBe('fast');
  });

  it('holds the mode until an async callback settles, and restores it when it rejects', async () => {
    const p = with_fp32_numerics('pytorch_x86', async () => {
      await new Promise((r) => setTimeout(r, 1));
      return get_fp32_numerics();
    });
    expect(await p).toBe('pytorch_x86');
    expect(get_fp32_numerics()).toBe('fast');
    await expect(with_fp32_numerics('pytorch_x86', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(get_fp32_numerics()).toBe('fast');
  });

  it('rejects an unknown mode without running the callback', () => {
    let ran = false;
    expect(() => with_fp32_numerics('exact' as never, () => (ran = true))).toThrow(/unknown mode 'exact'/);
    expect(ran).toBe(false);
  });
});
