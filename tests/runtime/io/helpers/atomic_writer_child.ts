/**
 * Child of the atomic-write tests: rewrites `path` in a loop with write_file_atomic, each version 1 MiB
 * of one byte value (so a partial or mixed file is detectable), printing "ready" after the first write.
 */
import { write_file_atomic } from '../../../../runtime/io/index.js';

const path = process.argv[2];
const bytes = new Uint8Array(1024 * 1024);
for (let i = 1; ; i++) {
  bytes.fill(i % 251);
  write_file_atomic(path, bytes);
  if (i === 1) console.log('ready');
}
