// No tracked text file points at a repository file that does not exist, or at a developer's machine
// (absolute paths under a user's or a build machine's home or work folder): either would leave a reader of the published
// repository with a dead reference.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
const TEXT = /\.(ts|mts|cts|js|mjs|cjs|json|md|py|html|css|yml|yaml|txt|sh)$|^\.ci\/|(^|\/)\.gitignore$/;
// package-lock.json records registry URLs, not references; docs/reference/ is the reference run's own text
const SKIP = (f: string) => f === 'package-lock.json' || f.startsWith('docs/reference/');
const files = tracked.filter((f) => TEXT.test(f) && !SKIP(f) && existsSync(join(REPO, f)));
const basenames = new Set(tracked.map((f) => basename(f)));

/** Top-level folders a repository path starts with. */
const ROOTS = [
  'bench',
  'bin',
  'browser',
  'cli',
  'compiler',
  'docs',
  'examples',
  'passes',
  'runtime',
  'scripts',
  'tests',
  'tools',
];
const REPO_PATH = new RegExp(
  `(?<![\\w./-])((?:${ROOTS.join('|')})/[\\w./-]*\\.(?:ts|mts|js|mjs|md|json|py|html|safetensors|gz|onnx|npy|sh))(?![\\w*<{$])`,
  'g',
);
/** Markdown names written bare (RESULTS.md, ARCHITECTURE.md): some tracked file must have that name. */
const BARE_MD = /(?<![\w./-])([A-Z][A-Z_]+\.md)\b/g;
/** Machine paths: a developer's or a CI box's home and work folders. */
const MACHINE = /(?<![\w.-])(\/work\/|\/home\/[a-z]|\/Users\/[A-Za-z]|\/root\/|[A-Z]:\\\\Users\\\\)/g;

/** Files a tracked script writes (named as its output or as a default to load once written): script → files. */
const WRITTEN_BY: Record<string, string[]> = {
  'examples/train_fmnist_mobilenet.ts': ['examples/weights/fmnist_mobilenet.safetensors'],
};
const written = new Set(
  Object.entries(WRITTEN_BY).flatMap(([script, outs]) => (existsSync(join(REPO, script)) ? outs : [])),
);

/** Paths tests and docs name on purpose to show an error for a missing file. */
const MEANT_MISSING = /no_such|nope|missing|nonexistent|does_not_exist|gone\.ts|not_there/;

function ignored(path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', path], { cwd: REPO });
    return true;
  } catch {
    return false;
  }
}

describe('repository references', () => {
  it('scans the tracked text files, with patterns that catch what they must', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files).toContain('README.md');
    const paths = (t: string) => [...t.matchAll(REPO_PATH)].map((m) => m[1]);
    expect(paths("see docs/reference/RESULTS.md, `examples/models/fmnist_cnn.ts` and import './x.js'")).toEqual([
      'docs/reference/RESULTS.md',
      'examples/models/fmnist_cnn.ts',
    ]);
    expect(paths('examples/models/<model>.ts, out/x.json, tests/fixtures/*.json')).toEqual([]);
    // built from parts so this file does not itself name a machine path
    const sample = `ran in ${['', 'work', 'shared', 'reference'].join('/')} and ${['', 'home', 'dev', 'x'].join('/')}`;
    expect([...sample.matchAll(MACHINE)].length).toBe(2);
    expect([...'a URL https://x.org/work/ and node_modules/.bin'.matchAll(MACHINE)].length).toBe(0);
    expect([...'cite RESULTS.md §2'.matchAll(BARE_MD)].map((m) => m[1])).toEqual(['RESULTS.md']);
  });

  it('every repository path a file names exists (or is a build output git ignores)', () => {
    const dead: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(REPO, f), 'utf8');
      for (const m of text.matchAll(REPO_PATH)) {
        const p = m[1].replace(/[.]+$/, '');
        if (MEANT_MISSING.test(p)) continue;
        // a path relative to the file's folder (markdown links, imports) also counts
        // an import's .js names the .ts source (TypeScript's ESM convention)
        const candidates = [p, p.replace(/\.js$/, '.ts'), p.replace(/\.mjs$/, '.mts')];
        const found = candidates.some((c) => existsSync(join(REPO, c)) || existsSync(join(REPO, dirname(f), c)));
        if (found || written.has(p) || ignored(p)) continue;
        dead.push(`${f}: ${p}`);
      }
      for (const m of text.matchAll(BARE_MD)) if (!basenames.has(m[1])) dead.push(`${f}: ${m[1]}`);
    }
    expect(dead, `references to files the repository does not contain:\n${dead.join('\n')}`).toEqual([]);
  });

  it('no file carries an absolute path of a developer machine', () => {
    const hits: string[] = [];
    for (const f of files) {
      const lines = readFileSync(join(REPO, f), 'utf8').split('\n');
      for (const [i, line] of lines.entries())
        if (line.match(MACHINE)) hits.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
    }
    // this file names the patterns it looks for
    const others = hits.filter((h) => !h.startsWith('tests/repo_references.test.ts:'));
    expect(others, `machine paths:\n${others.join('\n')}`).toEqual([]);
  });
});
