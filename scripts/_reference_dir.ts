/**
 * The reference folder a script reads (PyTorch's weights, ONNX exports, goldens): given on the command line,
 * never guessed — a clone of fxq does not have it, and tests use the subsets copied into tests/fixtures.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** argv[2] as an absolute folder path; exits 2 with the usage line when it is missing or not a folder. */
export function reference_dir(script: string): string {
  const arg = process.argv[2];
  if (!arg || !existsSync(arg) || !statSync(arg).isDirectory()) {
    console.error(`usage: npx tsx scripts/${script} <reference folder (its weights/, onnx/, golden/)>`);
    if (arg) console.error(`${script}: '${arg}' is not a folder`);
    process.exit(2);
  }
  return resolve(arg);
}
