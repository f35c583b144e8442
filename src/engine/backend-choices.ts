/**
 * The values `--backend` and `SELAVI_BACKEND` accept. Kept apart from backend.ts (which loads
 * TensorFlow.js) so the command line can list them in `--help` without loading it.
 */

/**
 * `auto`: the first that works of webgpu (on a GPU adapter, never a CPU emulation), node-gpu, node,
 * wasm, cpu; `webgpu`: any WebGPU adapter, a CPU emulation included; `tensorflow`: node-gpu or node
 * (packages a user adds by hand; the project no longer depends on them).
 */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'tensorflow', 'node', 'node-gpu', 'wasm', 'cpu'] as const;

/** One of {@link BACKEND_CHOICES}. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
