#!/usr/bin/env node
// The `fxq` command: registers tsx's loader so the TypeScript CLI (and model files) run directly.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
