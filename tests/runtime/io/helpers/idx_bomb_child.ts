/**
 * Child process of idx_bomb.test.ts: loads one IDX file through `read_idx` (node:zlib path) or
 * `parse_idx` (browser-safe fflate path), prints the error (or the shape) and its peak RSS as JSON.
 */
import { readFileSync } from 'node:fs';
import { parse_idx, read_idx } from '../../../../runtime/io/index.js';

const [path, mode] = process.argv.slice(2);
let error: string | null = null;
let shape: number[] | null = null;
try {
  shape = (mode === 'read' ? read_idx(path) : parse_idx(readFileSync(path), path)).shape;
} catch (e) {
  error = `${(e as Error).constructor.name}: ${(e as Error).message}`;
}
// maxRSS is in KiB
console.log(JSON.stringify({ error, shape, max_rss_mb: process.resourceUsage().maxRSS / 1024 }));
