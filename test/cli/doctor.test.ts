/** `selavi doctor` names the engines of the released network: onnxruntime's version, each provider, what auto takes. */
import { describe, expect, it } from 'vitest';
import { doctorReport } from '../../src/cli/commands/doctor.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';

describe('selavi doctor', () => {
  it('lists onnxruntime, whether each provider loads, and the engine --device auto takes', async () => {
    const { lines } = await doctorReport({ backend: 'wasm' });
    const at = lines.findIndex((l) => l.startsWith('released network:'));
    expect(lines[at]).toMatch(/^released network: onnxruntime-node \d+\.\d+\.\d+; --device auto takes onnxruntime-(cpu|cuda|webgpu)$/);
    const providers = lines.slice(at + 1, at + 4);
    expect(providers.map((l) => l.trim().split(':')[0])).toEqual(['cpu', 'webgpu', 'cuda']);
    expect(providers[0]).toBe('  cpu: loads');
    for (const l of providers.filter((p) => !p.endsWith('loads'))) expect(l).toMatch(/: no: .+; (needs|run)/); // why, and what to install
    expect(lines[at + 4]).toMatch(/^ {2}GPU device nodes: /);
  });

  it('says whether the native training kernels run, and why not', async () => {
    const { lines } = await doctorReport({ backend: 'wasm' });
    const load = loadNativeAddon();
    expect(lines.find((l) => l.startsWith('  native kernels: '))).toBe(`  native kernels: ${load.addon ? load.addon.version() : (load as { reason: string }).reason}`);
    expect(lines.find((l) => l.startsWith('huge pages: '))).toMatch(/^huge pages: (assign, cluster and sela start|not used: |THP always|as GLIBC_TUNABLES sets it)/);
    expect(lines.find((l) => l.startsWith('sinkhorn: '))).toBe(load.addon ? 'sinkhorn: native kernels (C++, OpenMP threads)' : `sinkhorn: WebAssembly kernels on worker threads (native: ${(load as { reason: string }).reason})`);
  });

  it('lists the WebGPU adapters, saying which are CPU emulations, and the backend auto takes', async () => {
    const { lines } = await doctorReport();
    expect(lines.find((l) => l.startsWith('backend:'))).toMatch(/^backend: \w+ \(what auto takes here\)$/);
    const at = lines.findIndex((l) => l.startsWith('webgpu adapters:'));
    const { probeWebGpu } = await import('../../src/engine/webgpu.js');
    const probe = await probeWebGpu();
    if (probe.adapters.length === 0) {
      expect(lines[at]).toMatch(/^webgpu adapters: none \(.+\)$/);
    } else {
      expect(lines[at]).toBe(`webgpu adapters: ${probe.adapters.length}`);
      const listed = lines.slice(at + 1, at + 1 + probe.adapters.length);
      for (const [i, a] of probe.adapters.entries()) {
        expect(listed[i]).toContain(a.description || a.device);
        expect(listed[i]!.includes('CPU emulation')).toBe(a.cpuEmulation);
      }
    }
  });
});
