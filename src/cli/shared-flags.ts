/**
 * Flags several commands share, each declared once with the choices the code accepts, so
 * `--help` names every value that works (and yargs refuses the others with the list).
 */
import type { Argv } from 'yargs';
import { BACKEND_CHOICES } from '../engine/backend-choices.js';
import { DEVICE_CHOICES } from '../engine/released-devices.js';
import { TRUTH_FORMATS } from '../eval/truth-formats.js';
import { progressModeOf, sayFor, type ProgressMode } from '../report/progress.js';

/** `--truth-format`: `auto` (detected from the file's first line) or a format `selavi eval` reads. */
export const TRUTH_FORMAT_CHOICES = ['auto', ...TRUTH_FORMATS] as const;

/** Options of `--backend`; the default comes from env SELAVI_BACKEND, else auto. */
export function backendOption(describe = 'tensor backend (default: env SELAVI_BACKEND, else auto: webgpu on a GPU adapter, then node-gpu, node, wasm, cpu, the first that loads; webgpu: any WebGPU adapter, a CPU emulation included)') {
  return { choices: BACKEND_CHOICES, describe } as const;
}

/** Options of `--device` (the engine of a released SeLaVi network); default env SELAVI_DEVICE, else auto. */
export function deviceOption(describe = 'engine of the released network (default: env SELAVI_DEVICE, else auto): auto = onnxruntime with CUDA where installed, else its CPU provider; cpu | webgpu | cuda = that onnxruntime provider or exit 2; wasm = TensorFlow.js (--backend)') {
  return { choices: DEVICE_CHOICES, describe } as const;
}

/** Options of `--decode-jobs` (clips decoded at once beside the released network). */
export function decodeJobsOption(describe = 'clips decoded at once while the released network runs (default: 1 beside the CPU provider, which needs every core; one per core beside a GPU)') {
  return { type: 'number', describe } as const;
}

/** Options of `--truth-format`. */
export function truthFormatOption(describe = 'format of --truth (auto: detected from its first line)') {
  return { choices: TRUTH_FORMAT_CHOICES, default: 'auto', describe } as const;
}

/** Flags of the long commands that choose how progress and messages are shown. */
export interface ProgressFlags {
  quiet: boolean;
  json: boolean;
}

/** `--quiet` and `--json` (see report/progress.ts for what each mode writes). */
export function withProgressFlags<T>(y: Argv<T>, json = 'progress and messages as JSON lines on stderr (the result stays one JSON line on stdout)'): Argv<T & ProgressFlags> {
  return y
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress and no messages on stderr (errors still)' })
    .option('json', { type: 'boolean', default: false, describe: json }) as Argv<T & ProgressFlags>;
}

/** The progress mode, message writer and report switch a long command's flags select. */
export function runOutputOf(a: Partial<ProgressFlags> & { report?: boolean }): { progress: ProgressMode; say: (line: string) => void; report?: boolean } {
  const progress = progressModeOf(a);
  return { progress, say: sayFor(progress), ...(a.report !== undefined && { report: a.report }) };
}

/** `--report` / `--no-report`: write the HTML gallery at the end of a run. */
export function withReportFlag<T>(y: Argv<T>, where: string): Argv<T & { report: boolean }> {
  return y.option('report', { type: 'boolean', default: true, describe: `write ${where} at the end: a gallery of the clusters (--no-report: skip it; \`selavi report\` makes it later)` }) as Argv<T & { report: boolean }>;
}
