/**
 * The values `--backend` and `SELAVI_BACKEND` accept. Kept apart from backend.ts (which loads
 * TensorFlow.js) so the command line can list them in `--help` without loading it.
 */

/** `auto`: the first that works of node-gpu, node, wasm, cpu; `tensorflow`: node-gpu or node. */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'node', 'node-gpu', 'wasm', 'cpu'] as const;

/** One of {@link BACKEND_CHOICES}. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
