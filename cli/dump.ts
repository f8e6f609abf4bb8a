/** `fxq dump`: load a model file (and trace it) or a save_quantized file, and write its graph in one of several formats. */
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { load_quantized } from '../compiler/artifact/node/index.js';
import type { GraphModule } from '../compiler/ir/graph_module.js';
import { ShapeProp } from '../compiler/ir/shape_prop.js';
import { symbolic_trace } from '../compiler/trace/symbolic_trace.js';
import { build_model, example_inputs_of, load_model_file } from '../tools/model_file.js';

/** Output formats of `fxq dump`. */
export const DUMP_FORMATS = ['text', 'table', 'code', 'json', 'dot', 'svg'] as const;
export type DumpFormat = (typeof DUMP_FORMATS)[number];

/** Bad usage or a model file without the expected shape: exit code 2. */
export class UsageError extends Error {}

function progress(msg: string): void {
  process.stderr.write(`fxq: ${msg}\n`);
}

function write_atomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Renders `gm` in `format`. */
export async function render(gm: GraphModule, format: DumpFormat): Promise<string> {
  switch (format) {
    case 'text':
      return `${gm.graph.toString()}\n`;
    case 'table':
      return `${gm.graph.print_tabular(false)}\n`;
    case 'code':
      return gm.code;
    case 'json':
      return `${JSON.stringify(gm.to_json(), null, 2)}\n`;
    case 'dot':
      return `${gm.to_dot()}\n`;
    case 'svg':
      return gm.to_svg();
  }
}

/** The dump command; returns the exit code. */
export async function dump(
  path: string,
  opts: { format: DumpFormat; out?: string; weights?: string | boolean },
): Promise<number> {
  progress(`loading ${path}`);
  // a save_quantized file: its graph as saved (gm.code is the int8 forward), no tracing
  const { is_quantized_dir } = await import('./common.js');
  if (is_quantized_dir(path)) return write_dump(load_quantized(path), opts);
  const file = await load_model_file(path);
  if (opts.weights !== undefined) progress('loading weights');
  // dump loads weights only when asked (--weights), the analysis commands whenever the file can
  const model = build_model(file, opts.weights ?? false);
  progress(`tracing ${model.constructor.name}`);
  const gm = symbolic_trace(model);
  const inputs = example_inputs_of(file);
  progress(`propagating shapes on example_inputs (${gm.graph.length} nodes)`);
  new ShapeProp(gm).propagate(...inputs);
  return write_dump(gm, opts);
}

async function write_dump(gm: GraphModule, opts: { format: DumpFormat; out?: string }): Promise<number> {
  progress(`rendering ${opts.format}`);
  const text = await render(gm, opts.format);
  if (opts.out) {
    write_atomic(opts.out, text);
    progress(`wrote ${opts.out} (${text.length} bytes)`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
