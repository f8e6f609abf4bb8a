// Child of the atomicity tests: loads models A and B, says "ready", then re-saves B, A, B, … over the
// target with save_quantized until killed.
import { load_quantized, save_quantized } from '../../../compiler/artifact/node/index.js';

const [target, a_file, b_file] = process.argv.slice(2);
const models = [load_quantized(b_file), load_quantized(a_file)];
process.stdout.write('ready\n');
for (let i = 0; ; i++) save_quantized(models[i % 2], target);
