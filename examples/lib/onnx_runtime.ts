/**
 * onnxruntime-web in Node for checking ONNX exports: one thread, no proxy worker, sessions from bytes,
 * wasm EP, graph optimization 'all' (as the reference runs). `ort_op_counts` reads the op types ONNX
 * Runtime actually ran after its graph optimizations (QDQ fusion) from a profiling run: onnxruntime-web
 * cannot write `optimizedModelFilePath` in Node (its wasm has no file system), but its profiler prints
 * each kernel's op type to the console, which is captured here.
 */
import { createRequire } from 'node:module';
import type * as OrtTypes from 'onnxruntime-web';

// the CommonJS fs object the onnxruntime-web wasm module writes through (patched while profiling)
const node_fs = createRequire(import.meta.url)('fs') as typeof import('node:fs');

export type Ort = typeof OrtTypes;

let cached: Promise<Ort> | null = null;

/** onnxruntime-web configured for Node: 1 thread, no proxy. */
export function load_onnxruntime(): Promise<Ort> {
  cached ??= import('onnxruntime-web').then((ort) => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    return ort;
  });
  return cached;
}

/** A session on ONNX bytes: run(x, shape) feeds the single float input and returns the first output. */
export async function ort_runner(ort: Ort, bytes: Uint8Array, options: { profile?: boolean } = {}) {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    enableProfiling: options.profile ?? false,
  });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  return {
    session,
    async run(x: Float32Array, shape: readonly number[]): Promise<Float32Array> {
      const out = await session.run({ [input]: new ort.Tensor('float32', x, [...shape]) });
      return out[output].data as Float32Array;
    },
  };
}

/** Op type → count of the kernels ONNX Runtime ran for one call on `x` (after its graph optimizations). */
export async function ort_op_counts(
  ort: Ort,
  bytes: Uint8Array,
  x: Float32Array,
  shape: readonly number[],
): Promise<Record<string, number>> {
  const r = await ort_runner(ort, bytes, { profile: true });
  await r.run(x, shape);
  // the wasm module prints with require('fs').writeSync(1 | 2, …): capture those writes
  let text = '';
  const write_sync = node_fs.writeSync;
  node_fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if ((fd === 1 || fd === 2) && typeof data === 'string') {
      text += data;
      return data.length;
    }
    return (write_sync as (...a: unknown[]) => number)(fd, data, ...rest);
  }) as typeof node_fs.writeSync;
  try {
    await r.session.endProfiling();
  } finally {
    node_fs.writeSync = write_sync;
  }
  const lines = text.split('\n');
  await r.session.release();
  const counts: Record<string, number> = {};
  for (const line of lines) {
    if (!line.includes('"cat" : "Node"') || !line.includes('_kernel_time')) continue;
    const m = /"op_name" : "([^"]+)"/.exec(line);
    if (m) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
  }
  if (Object.keys(counts).length === 0)
    throw new Error('ort_op_counts: onnxruntime-web printed no profiling events (did its console output change?)');
  return counts;
}
