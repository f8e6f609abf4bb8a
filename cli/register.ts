/**
 * Registers the analysis subcommands of `fxq` (quantize, eval, compare, sensitivity, bench, report) on
 * the commander program, each with --help examples. Subcommand modules load lazily, so `fxq dump`
 * does not pay for them.
 */
import { type Command, Option } from 'commander';
import { add_common_options, type CommonOptions } from './common.js';
import type { QuantizeFlags } from './quantize.js';

const M = 'examples/models/fmnist_resnet.ts';

/** What a model file exports and where inputs come from: shown by `fxq --help` and each subcommand's --help. */
export const MODEL_FILE_HELP = `
Model files (.ts, .mts, .js, .mjs, .cjs; in "type": "module" or "type": "commonjs" projects):
  export default function create(): nn.Module        the float model (required)
  export function example_inputs(): Tensor[]         one call's inputs, batch first (required; traced with these)
  export function load_weights(model, path?)         trained weights (--weights FILE, --no-weights to skip)
  export function calibrate(prepared)                run your calibration data through the observed model
                                                     (replaces --data calibration in quantize, compare, sensitivity, report)
  export function evaluate(model): number            your metric, accuracy in [0, 1] (replaces --data in eval,
                                                     sensitivity, report; --data given wins in eval)

Inputs (quantize calibrates on the first --calib-images rows; eval, compare use rows from --eval-offset):
  --data DIR                     a Fashion-MNIST IDX directory (train-images-idx3-ubyte.gz, t10k-…)
  --data x.idx.gz [--labels y]   an IDX file; labels from --labels or its sibling named *labels* / idx1
  --data x.npy --labels y.npy    NumPy arrays (<f4, <f8, <i8, <i4, |u1, |i1, |b1; C order)
  --data d.safetensors           tensors 'images' (or 'inputs', 'x') and 'labels' (or 'targets', 'y')
  --input-shape 1,3,32,32        seeded random inputs of that shape (bench, calibration; no labels)
  none                           the model file's example_inputs(); Fashion-MNIST for N×1×28×28 models
  uint8 data is scaled to [0, 1]; [N, H, W] rows feed an [N, 1, H, W] input.
  eval, sensitivity and report need labels: from --data, or (eval, sensitivity) the model's evaluate().`;

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n\nExit codes: 0 ok, 1 the model failed (tracing, running), 2 bad usage or a bad model file.`;
}

/** Adds the subcommands; `set_code` receives each action's exit code. */
export function register_analysis_commands(program: Command, set_code: (code: number) => void): void {
  program.addHelpText('after', MODEL_FILE_HELP);
  program.addHelpText(
    'after',
    examples([
      `fxq quantize ${M} --out out/resnet_int8.safetensors`,
      'fxq eval out/resnet_int8.safetensors --eval-images 2000',
      `fxq compare ${M} --quantized out/resnet_int8.safetensors`,
      `fxq sensitivity ${M} --workers 2 --blocks`,
      `fxq bench out/resnet_int8.safetensors --batch 1,32`,
      `fxq report ${M} --out out/report.html`,
      'fxq quantize my_model.ts --data calib.npy -o out/my_int8.safetensors',
      'fxq bench out/my_int8.safetensors --input-shape 1,3,32,32',
    ]),
  );

  const quantize = add_common_options(
    program
      .command('quantize')
      .description('quantize a model file (static PTQ, dynamic or QAT) and save it with save_quantized')
      .argument('<model>', 'a model file (.ts, .mts, .js, .mjs, .cjs; see Model files below)')
      .option('-o, --out <file>', 'model file to write (one .safetensors file: weights + graph manifest)')
      .addOption(
        new Option('-m, --mode <mode>', 'quantization mode').choices(['static', 'dynamic', 'qat']).default('static'),
      )
      .option('--qat-epochs <n>', 'QAT fine-tuning epochs over the calibration images', '1')
      .addOption(
        new Option(
          '--backend-config <name>',
          "prepare_fx's backend_config: qnnpack (PyTorch 1.13 parity) or fxq (opt-in, beyond PyTorch; README)",
        )
          .choices(['qnnpack', 'fxq'])
          .default('qnnpack'),
      )
      .option('--cle', 'cross-layer equalization + high-bias absorption before prepare_fx (tools/ptq)')
      .option('--bias-correction', 'empirical bias correction on the calibration inputs (tools/ptq)')
      .option(
        '--adaround [iterations]',
        'AdaRound conv / linear weights on the calibration inputs (default 1000 steps a layer)',
      ),
  );
  quantize
    .showHelpAfterError()
    .addHelpText('after', MODEL_FILE_HELP)
    .addHelpText(
      'after',
      examples([
        'fxq quantize rgb_model.ts --data calib.safetensors --calib-images 500 -o out/rgb_int8.safetensors',
        `fxq quantize ${M} --out out/resnet_int8.safetensors`,
        'fxq quantize examples/models/fmnist_mobilenet.ts --backend-config fxq -o out/mobilenet_int8.safetensors',
        `fxq quantize ${M} --out out/resnet_4bit.safetensors --qconfig 4bit --calib-images 500`,
        `fxq quantize ${M} --out out/resnet_4bit_ada.safetensors --qconfig 4bit --adaround 500 --bias-correction`,
        'fxq quantize examples/models/fmnist_lstm.ts --mode dynamic --out out/lstm_dyn.safetensors --json',
      ]),
    );
  quantize.action(async (model: string, o: CommonOptions & QuantizeFlags) => {
    set_code(await (await import('./quantize.js')).quantize_command(model, o));
  });

  const ev = add_common_options(
    program
      .command('eval')
      .description('top-1 accuracy of a model file (fp32) or a save_quantized file (int8) on test images')
      .argument('<model>', 'a model file, or an int8 model written by fxq quantize'),
  );
  ev.showHelpAfterError()
    .addHelpText('after', MODEL_FILE_HELP)
    .addHelpText(
      'after',
      examples([
        `fxq eval ${M} --eval-images 1000`,
        'fxq eval out/resnet_int8.safetensors --json',
        'fxq eval out/rgb_int8.safetensors --data test_x.npy --labels test_y.npy',
      ]),
    );
  ev.action(async (model: string, o: CommonOptions) => {
    set_code(await (await import('./eval.js')).eval_command(model, o));
  });

  const cmp = add_common_options(
    program
      .command('compare')
      .description('numeric suite: per-layer SQNR, L2 error, cosine and weight SQNR of the int8 model vs float')
      .argument('<model>', 'a .ts model file (the float side)')
      .option('--quantized <file>', 'the int8 side from fxq quantize (default: quantize statically now)'),
  );
  cmp
    .showHelpAfterError()
    .addHelpText('after', MODEL_FILE_HELP)
    .addHelpText(
      'after',
      examples([
        `fxq compare ${M} --eval-images 500`,
        `fxq compare ${M} --quantized out/resnet_int8.safetensors --json`,
      ]),
    );
  cmp.action(async (model: string, o: CommonOptions & { quantized?: string }) => {
    set_code(await (await import('./compare.js')).compare_command(model, o));
  });

  const sens = add_common_options(
    program
      .command('sensitivity')
      .description('per-layer sensitivity: quantize one layer at a time, or all but one, on worker threads')
      .argument('<model>', 'a .ts model file')
      .addOption(
        new Option('--mode <mode>', 'which layers are quantized per run')
          .choices(['one-at-a-time', 'leave-one-out'])
          .default('one-at-a-time'),
      )
      .option('--workers <n>', 'worker threads (default: all cores)')
      .option(
        '--layers <names>',
        "comma-separated module names or 'scope:fn:index' calls (default: every Conv2d/Linear/LSTM)",
      )
      .option('--blocks', 'also test containers holding two or more such layers (layer1, …)'),
  );
  sens
    .showHelpAfterError()
    .addHelpText(
      'after',
      examples([
        `fxq sensitivity ${M} --blocks --workers 2`,
        `fxq sensitivity ${M} --mode leave-one-out --qconfig 4bit --json > sens.json`,
        `fxq sensitivity ${M} --layers conv1,fc --eval-images 500`,
      ]),
    );
  sens.action(
    async (
      model: string,
      o: CommonOptions & { mode: 'one-at-a-time'; workers?: string; layers?: string; blocks?: boolean },
    ) => {
      set_code(await (await import('./sensitivity.js')).sensitivity_command(model, o));
    },
  );

  const bench = add_common_options(
    program
      .command('bench')
      .description('median latency per call of a model file or a save_quantized file')
      .argument('<model>', 'a model file, or an int8 model written by fxq quantize')
      .option('--batch <sizes>', 'comma-separated batch sizes', '1,32')
      .option('--runs <n>', 'timed calls per configuration (after one warm-up)', '20')
      .option('--backends <names>', 'comma-separated backends to time (js, wasm)', 'wasm'),
    { data: true, qconfig: false },
  );
  bench
    .showHelpAfterError()
    .addHelpText('after', MODEL_FILE_HELP)
    .addHelpText(
      'after',
      examples([
        'fxq bench out/rgb_int8.safetensors --input-shape 1,3,32,32 --batch 1,16',
        'fxq bench out/resnet_int8.safetensors --batch 1,32 --backends js,wasm',
        `fxq bench ${M} --batch 32 --runs 5 --json`,
      ]),
    );
  bench.action(async (model: string, o: CommonOptions & { batch: string; runs: string; backends: string }) => {
    set_code(await (await import('./bench.js')).bench_command(model, o));
  });

  const report = add_common_options(
    program
      .command('report')
      .description('write one self-contained HTML report: summary, SQNR-coloured graph, sensitivity, histograms')
      .argument('<model>', 'a .ts model file (the float side)')
      .option('-o, --out <file>', 'the HTML file to write (atomically)')
      .option('--quantized <file>', 'the int8 side from fxq quantize (default: quantize statically now)')
      .option('--sensitivity-json <file>', "sensitivity results from 'fxq sensitivity --json' (else computed now)")
      .option('--no-sensitivity', 'leave the sensitivity section out')
      .option('--workers <n>', 'worker threads for the sensitivity run (default: all cores)'),
  );
  report
    .showHelpAfterError()
    .addHelpText(
      'after',
      examples([
        `fxq report ${M} --out out/report.html`,
        `fxq sensitivity ${M} --json > sens.json && fxq report ${M} --sensitivity-json sens.json --out out/report.html`,
      ]),
    );
  report.action(
    async (
      model: string,
      o: CommonOptions & {
        out?: string;
        quantized?: string;
        sensitivity: boolean;
        sensitivityJson?: string;
        workers?: string;
      },
    ) => {
      set_code(await (await import('./report.js')).report_command(model, o));
    },
  );
}
