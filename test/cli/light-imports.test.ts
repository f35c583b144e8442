import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The modules a file loads at start-up: its static imports and re-exports (not `import type`,
 * not dynamic `import()`), followed through src/, and the packages they name.
 */
function staticImportGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pattern = /^(?:import|export)\s+(?!type\b)(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(pattern)) {
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  visit(path.resolve(entry));
  return { files, packages };
}

describe('the CLI start-up', () => {
  it('loads neither TensorFlow nor onnxruntime nor the training code before a command runs', () => {
    // Every command (`--help`, `sinkhorn`, `eval`) paid ~0.6 s for TensorFlow when flag parsing
    // imported the recipe trials: the commands import their heavy modules in their handlers.
    const { files, packages } = staticImportGraph('src/cli/main.ts');
    expect([...packages].filter((p) => p.startsWith('@tensorflow') || p.startsWith('onnxruntime'))).toEqual([]);
    const rel = [...files].map((f) => path.relative(process.cwd(), f));
    expect(rel).toContain('src/cli/train-flags.ts'); // the walk does reach the flag modules
    expect(rel).toContain('src/pipeline/recipe.ts');
    expect(rel.filter((f) => f.startsWith('src/train/selavi') || f.startsWith('src/models/') || f.startsWith('src/sinkhorn/'))).toEqual([]);
  });

  it('loads neither the CSV parser nor the FFT: the flags take their choices from modules of constants', () => {
    // `--format`'s choices came from the truth readers (csv-parse, 9 files) and the clip flags'
    // spectrogram shape from the mel spectrogram (fft.js): ~8 ms of every command's start-up.
    const { files, packages } = staticImportGraph('src/cli/main.ts');
    expect([...packages].filter((p) => p === 'csv-parse' || p === 'fft.js')).toEqual([]);
    const rel = [...files].map((f) => path.relative(process.cwd(), f));
    expect(rel).toContain('src/eval/truth-formats.ts');
    expect(rel).toContain('src/media/spec-frames.ts');
  });
});
