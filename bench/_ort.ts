/**
 * onnxruntime-web inside Node for the side-by-side benches: wasm EP, one thread, no proxy worker (as
 * the reference run ran it, docs/reference/RESULTS.md), sessions from ONNX bytes, and a runner that feeds one
 * float32 input and returns the first output. Everything here is optional: a missing package or file
 * is reported and skipped, never faked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The onnxruntime-web module type. */
export type OrtModule = typeof import('onnxruntime-web');

/** Where the reference ONNX exports live (a sibling checkout's ../shared); absent in a fresh clone. */
export const DEFAULT_ONNX_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'shared',
  'reference',
  'onnx',
);

let cached: Promise<OrtModule | null> | null = null;

/** Imports onnxruntime-web configured for 1 thread; null (with a message) when it cannot load. */
export function load_ort(): Promise<OrtModule | null> {
  cached ??= (async () => {
    try {
      const ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      return ort;
    } catch (e) {
      console.log(`onnxruntime-web unavailable (${(e as Error).message}): skipping ORT`);
      return null;
    }
  })();
  return cached;
}

/** A loaded ONNX model: run(x, shape) feeds the single float32 input and returns the first output. */
export interface OrtRunner {
  path: string;
  input_name: string;
  output_name: string;
  run(data: Float32Array, shape: readonly number[]): Promise<Float32Array>;
}

/** Creates a session for `path` (graph optimisation 'all', wasm EP); null when the file is absent. */
export async function ort_session(ort: OrtModule, path: string): Promise<OrtRunner | null> {
  if (!existsSync(path)) return null;
  return ort_session_from_bytes(ort, readFileSync(path), path);
}

/** A session on ONNX bytes in memory (an fxq export); `label` names it in errors and reports. */
export async function ort_session_from_bytes(ort: OrtModule, bytes: Uint8Array, label: string): Promise<OrtRunner> {
  let session: Awaited<ReturnType<OrtModule['InferenceSession']['create']>>;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw new Error(`onnxruntime-web: cannot load ${label}: ${(e as Error).message}`);
  }
  const input_name = session.inputNames[0];
  const output_name = session.outputNames[0];
  return {
    path: label,
    input_name,
    output_name,
    async run(data, shape) {
      const out = await session.run({ [input_name]: new ort.Tensor('float32', data, [...shape]) });
      return out[output_name].data as Float32Array;
    },
  };
}
