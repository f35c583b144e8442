/**
 * The values `--device` accepts for the released SeLaVi network. Kept apart from the module that
 * loads onnxruntime so the command line can list them in `--help` without loading it.
 *
 * - `auto`: onnxruntime's CUDA provider where it is installed and loads, else its CPU provider; the
 *   TensorFlow.js wasm path when onnxruntime itself cannot load. WebGPU only when asked for.
 * - `cpu`, `webgpu`, `cuda`: that onnxruntime provider, or exit 2 naming what to install.
 * - `wasm`: the TensorFlow.js path (the `--backend` choice), as before onnxruntime.
 */
export const DEVICE_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda', 'wasm'] as const;

export type DeviceChoice = (typeof DEVICE_CHOICES)[number];
