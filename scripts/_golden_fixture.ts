/**
 * Shared by the scripts that copy a subset of a reference golden into tests/fixtures/reference/golden: writes
 * NAME.safetensors (the kept tensors) and NAME.json (the reference's JSON with a `fixture_subset` note).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serialize_safetensors, type Tensor, write_file_atomic } from '../runtime/io/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes `kept` (of `total` tensors in `src`/NAME.safetensors) and `src`/NAME.json noted with `fixture_subset`. */
export function write_golden_fixture(
  src: string,
  name: string,
  kept: Record<string, Tensor>,
  total: number,
  fixture_subset: string,
): void {
  const json = JSON.parse(readFileSync(join(src, `${name}.json`), 'utf8')) as Record<string, unknown>;
  json.fixture_subset = fixture_subset;
  const out_dir = join(root, 'tests', 'fixtures', 'reference', 'golden');
  const bytes = serialize_safetensors(kept);
  write_file_atomic(join(out_dir, `${name}.safetensors`), bytes);
  write_file_atomic(join(out_dir, `${name}.json`), new TextEncoder().encode(`${JSON.stringify(json, null, 1)}\n`));
  console.log(`wrote ${Object.keys(kept).length} of ${total} tensors (${bytes.length} bytes) to ${out_dir}`);
}
