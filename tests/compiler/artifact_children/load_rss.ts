// Child of the RSS test and scripts/artifact_rss.ts: loads one file with load_quantized (or nothing, given
// `--none`: the baseline of a process that imported fxq) and prints {ok, message, maxrss_bytes, file_bytes}
// (peak resident set of this whole process).
import { statSync } from 'node:fs';
import { load_quantized } from '../../../compiler/artifact/node/index.js';

const file = process.argv[2];
let ok = true;
let message = '';
try {
  if (file !== '--none') load_quantized(file);
} catch (e) {
  ok = false;
  message = (e as Error).message;
}
const maxrss_bytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  `${JSON.stringify({ ok, message, maxrss_bytes, file_bytes: file === '--none' ? 0 : statSync(file).size })}\n`,
);
