import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { weights_path } from '../../examples/models/common.js';
import create, { load_weights } from '../../examples/models/fmnist_resnet.js';
import { load_safetensors, save_safetensors, type Tensor, tensor } from '../../index.js';

const dir = mkdtempSync(join(tmpdir(), 'fxq-w-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function with_changes(edit: (sd: Record<string, Tensor>) => void, name: string): string {
  const sd = load_safetensors(weights_path('fmnist_resnet'));
  edit(sd);
  const p = join(dir, name);
  save_safetensors(sd, p);
  return p;
}

describe('load_weights: bad state_dicts name the key and the file', () => {
  it('missing key', () => {
    const p = with_changes((sd) => delete sd['layer2.downsample.1.running_var'], 'missing.safetensors');
    expect(() => load_weights(create(), p)).toThrow(
      /missing\.safetensors: .*missing keys: "layer2\.downsample\.1\.running_var"/,
    );
  });
  it('unexpected key', () => {
    const p = with_changes((sd) => (sd['layer1.downsample.0.weight'] = tensor([1])), 'unexpected.safetensors');
    expect(() => load_weights(create(), p)).toThrow(
      /unexpected\.safetensors: .*unexpected keys: "layer1\.downsample\.0\.weight"/,
    );
  });
  it('mis-shaped key, leaving the model untouched', () => {
    const p = with_changes(
      (sd) => (sd['fc.weight'] = tensor(new Float32Array(640), { shape: [64, 10] })),
      'shape.safetensors',
    );
    const m = create();
    const before = [...m.fc.weight.data];
    expect(() => load_weights(m, p)).toThrow(
      /shape\.safetensors: .*size mismatch for "fc\.weight".*\[64, 10\].*\[10, 64\]/,
    );
    expect([...m.fc.weight.data]).toEqual(before);
  });
  it('a round trip through save_safetensors loads back the same weights', () => {
    const m = load_weights(create());
    const p = join(dir, 'rt.safetensors');
    save_safetensors(m.state_dict(), p);
    const m2 = load_weights(create(), p);
    expect([...m2.layer3.conv2.weight.data]).toEqual([...m.layer3.conv2.weight.data]);
    expect(m2.bn1.num_batches_tracked?.data[0]).toBe(m.bn1.num_batches_tracked?.data[0]);
  });
});
