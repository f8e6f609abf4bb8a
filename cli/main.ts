/**
 * The `fxq` command line (bin/fxq.mjs runs this through tsx). Subcommands:
 *   fxq dump <model.ts> [--format text|table|code|json|dot|svg] [--out FILE] [--weights [FILE]]
 *   fxq quantize | eval | compare | sensitivity | bench | report  (cli/register.ts; --help on each)
 * Exit codes: 0 ok, 1 the model failed (tracing, running), 2 bad usage or a bad model file.
 */
import { Command, CommanderError, Option } from 'commander';
import { ModelFileError } from '../tools/model_file.js';
import { InputError } from '../tools/node/inputs.js';
import { stop_all_progress_bars } from '../tools/progress.js';
import { DUMP_FORMATS, type DumpFormat, dump, UsageError } from './dump.js';
import { register_export_command } from './export.js';
import { register_analysis_commands } from './register.js';

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('fxq')
    .description('fxq: FX graph-mode int8 quantization for TypeScript')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  let code = 0;
  program
    .command('dump')
    .description('trace a model file and print its graph')
    .argument(
      '<model>',
      'a .ts model file: default-exports a factory, exports example_inputs(), optionally load_weights()',
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices([...DUMP_FORMATS]).default('text'))
    .option('-o, --out <file>', 'write to a file (atomically) instead of stdout')
    .option('-w, --weights [file]', "call the model file's load_weights (with FILE, or its default path)")
    .action(async (model: string, opts: { format: DumpFormat; out?: string; weights?: string | boolean }) => {
      code = await dump(model, opts);
    });
  register_analysis_commands(program, (c) => {
    code = c;
  });
  register_export_command(program, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    stop_all_progress_bars();
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || e instanceof ModelFileError || e instanceof InputError) {
      process.stderr.write(`fxq: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`fxq: ${(e as Error).message}\n`);
    return 1;
  }
}
