#!/usr/bin/env node
// The `fxq` command. Installed from the package it runs the compiled CLI (dist/cli/main.js) with plain node;
// in a checkout of the repository (cli/main.ts present) it runs the TypeScript sources. Either way tsx's loader
// is registered first, so users' model files may be TypeScript (.ts / .mts) as well as JavaScript.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

// `fxq … | head` closes the pipe early: that is the reader's choice, not an error
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
register();
const source = new URL('../cli/main.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
