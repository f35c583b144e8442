import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WASM_KERNELS, compileKernel, kernelModuleText } from '../../tools/wasm/build-wasm.js';

describe('the committed WebAssembly kernels', () => {
  for (const { source, module } of WASM_KERNELS) {
    it(`${module} is what ${source} compiles to (make wasm)`, () => {
      expect(readFileSync(module, 'utf8')).toBe(kernelModuleText(source, compileKernel(source)));
    });
  }
});
