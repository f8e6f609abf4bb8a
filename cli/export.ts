/**
 * `fxq export <model> -o model.onnx`: a float model file (.ts) → plain ONNX, a save_quantized file
 * (static or dynamic int8) → QDQ ONNX, through export_onnx (checked in memory, then one atomic write).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { export_onnx } from '../compiler/export/onnx/node/export_file.js';
import { Tensor } from '../runtime/tensor/tensor.js';
import { add_common_options, type CommonOptions, emit, load_any, note } from './common.js';
import { UsageError } from './dump.js';

interface ExportOptions extends CommonOptions {
  out?: string;
  opset: string;
  int8?: boolean;
  inputShape?: string;
  inputNames?: string;
  outputNames?: string;
  dynamicBatch: boolean;
}

const list = (s: string | undefined) => (s ? s.split(',').map((v) => v.trim()) : undefined);

function parse_shape(s: string): number[] {
  const dims = s.split(',').map(Number);
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1))
    throw new UsageError(`--input-shape must be positive integers separated by commas, got '${s}'`);
  return dims;
}

/** The export command; returns the exit code. */
export async function export_command(path: string, o: ExportOptions): Promise<number> {
  if (!o.out) throw new UsageError('export: -o, --out <file.onnx> is required');
  const opset = Number(o.opset);
  const dir = dirname(resolve(o.out));
  if (!existsSync(dir))
    throw new UsageError(`export: the folder of ${o.out} (${dir}) does not exist; nothing was written`);
  const loaded = await load_any(path, o);
  let args: Tensor[];
  if (o.inputShape) {
    const shape = parse_shape(o.inputShape);
    args = [new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, 'float32')];
  } else if (loaded.kind === 'float') {
    args = loaded.file.example_inputs() as Tensor[];
  } else {
    // a saved int8 model carries no example input: Fashion-MNIST's image shape unless told
    args = [new Tensor(new Float32Array(784), [1, 1, 28, 28], 'float32')];
    note('example input [1, 1, 28, 28] (pass --input-shape for another model)');
  }
  const input_names = list(o.inputNames);
  const output_names = list(o.outputNames);
  const bytes = export_onnx(loaded.model, args, o.out, {
    opset_version: opset,
    ...(input_names ? { input_names } : {}),
    ...(output_names ? { output_names } : {}),
    ...(o.dynamicBatch ? {} : { dynamic_axes: {} }),
    dtype: o.int8 ? 'int8' : 'auto',
  });
  emit(
    o,
    { model: path, kind: loaded.kind, out: o.out, bytes, opset },
    `${loaded.kind} ${path} → ${o.out} (${(bytes / 1024).toFixed(1)} KiB, ONNX opset ${opset}${loaded.kind === 'quantized' ? ', int8' : ''})`,
  );
  return 0;
}

/** Registers `fxq export` on the program. */
export function register_export_command(program: Command, set_code: (code: number) => void): void {
  const cmd = add_common_options(
    program
      .command('export')
      .description('export a model file (float ONNX) or a save_quantized file (QDQ int8 ONNX) to ONNX')
      .argument('<model>', 'a .ts model file or a file written by fxq quantize')
      .option('-o, --out <file>', 'the .onnx file to write (its folder must exist)')
      .option('--opset <n>', 'ONNX opset version (13–21)', '13')
      .option('--int8', 'refuse to export unless the model is quantized')
      .option('--input-shape <dims>', 'example input shape, e.g. 1,1,28,28 (default: the model file’s example_inputs)')
      .option('--input-names <names>', 'graph input names, comma separated')
      .option('--output-names <names>', 'graph output names, comma separated')
      .option('--no-dynamic-batch', 'fixed batch size (default: dim 0 of inputs and outputs is symbolic)'),
    { data: false, qconfig: false },
  );
  cmd
    .showHelpAfterError()
    .addHelpText(
      'after',
      [
        '\nExamples:',
        '  $ fxq export examples/models/fmnist_cnn.ts -o out/fmnist_cnn.onnx',
        '  $ fxq quantize examples/models/fmnist_cnn.ts --out out/cnn_int8.safetensors',
        '  $ fxq export out/cnn_int8.safetensors -o out/fmnist_cnn_int8.onnx --int8 --input-names input --output-names logits',
        '\nExit codes: 0 ok, 1 the model failed (tracing, an op without ONNX export), 2 bad usage or a bad model file.',
      ].join('\n'),
    );
  cmd.action(async (model: string, opts: ExportOptions) => {
    set_code(await export_command(model, opts));
  });
}
