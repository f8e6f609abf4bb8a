/**
 * Child process of bench/_threads.ts: times one onnxruntime-web session at `threads` threads. ORT reads
 * env.wasm.numThreads once per process (when its wasm initializes) and a second ORT instance in the same
 * process collides with the first in onnxruntime-common's backend registry, so each thread count runs in
 * its own process. Prints one JSON line: wall samples (ms) and the CPU / wall ratio (> 1: threads ran).
 * argv: <threads> <onnx file> <comma-separated input shape> <budget ms>
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [threads, file, shape_s, budget_s] = process.argv.slice(2);
const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = Number(threads);
ort.env.wasm.proxy = false;
const session = await ort.InferenceSession.create(readFileSync(file), {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
});
const shape = shape_s.split(',').map(Number);
const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => ((i * 7919) % 255) / 255);
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
await session.run(feeds); // warm-up
const samples: number[] = [];
const c0 = process.cpuUsage();
const t_start = performance.now();
const t_end = t_start + Number(budget_s);
do {
  const t0 = performance.now();
  await session.run(feeds);
  samples.push(performance.now() - t0);
} while (performance.now() < t_end && samples.length < 1000);
const c = process.cpuUsage(c0);
const wall = performance.now() - t_start;
console.log(JSON.stringify({ samples, cpu_per_wall: (c.user + c.system) / 1000 / wall }));
process.exit(0);
