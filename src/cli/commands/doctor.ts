/**
 * `selavi doctor`: what this machine will use — which ffmpeg and ffprobe (path, rule that found
 * them, version line), which tensor backend (and the WebGPU adapters it could use), and which engines can run the released SeLaVi
 * network (onnxruntime's providers; what `--device auto` takes) — so a bug report starts with the facts.
 * Never throws for a missing piece: it reports it and sets exit code 1.
 */
import type { CommandModule } from 'yargs';
import { backendOption } from '../shared-flags.js';

/** Shape of `engine/backend.js` that doctor relies on. */
interface BackendModule {
  initBackend(opts?: { backend?: string; log?: (line: string) => void }): Promise<{ name: string; tried: { name: string; error?: string }[]; native?: { engine?: string; reason?: string } }>;
}

/** Flags of `selavi doctor`. */
export interface DoctorArgs {
  backend?: string;
}

/** Lines describing ffmpeg/ffprobe/backend; `ok` false when something needed is missing. */
export async function doctorReport(opts: { backend?: string } = {}): Promise<{ lines: string[]; ok: boolean }> {
  const { candidates, locate, readToolBuild, staleDecoderWarning, toolVersion } = await import('../../media/ffmpeg-path.js');
  const lines: string[] = [];
  let ok = true;
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    try {
      const loc = locate(tool);
      lines.push(`${tool}: ${loc.path}  (found via ${loc.source}${loc.build ? ', the newest build present' : ''})`);
      lines.push(`  ${await toolVersion(loc.path)}`);
      // Every candidate with its version and build year: which one decodes is a security matter.
      for (const c of candidates(tool)) {
        const b = c.path !== undefined ? readToolBuild(c.path) : undefined;
        const what = c.path === undefined ? 'absent' : b ? `${c.path}: ${b.version}${b.year !== undefined ? `, built ${b.year}` : ''}` : `${c.path}: does not run`;
        lines.push(`  candidate ${c.source}: ${what}${c.path !== undefined && c.path === loc.path ? '  <- used' : ''}`);
      }
      if (tool === 'ffmpeg') {
        const warning = staleDecoderWarning();
        if (warning) lines.push(`  ${warning}`);
      }
    } catch (err) {
      ok = false;
      lines.push(`${tool}: NOT FOUND: ${(err as Error).message}`);
      for (const c of candidates(tool)) lines.push(`  tried ${c.source}: ${c.path ?? 'absent'}`);
    }
  }
  // The backend module is another component; a variable specifier keeps this file compiling
  // (and doctor useful) even where it is absent.
  const backendModule = '../../engine/backend.js';
  try {
    const { initBackend } = (await import(backendModule)) as BackendModule;
    // log: doctor prints the choice itself, in its own format.
    const res = await initBackend({ ...(opts.backend ? { backend: opts.backend } : {}), log: () => undefined });
    lines.push(`backend: ${res.name}${opts.backend ? '' : ' (what auto takes here)'}`);
    for (const t of res.tried) lines.push(`  tried ${t.name}: ${t.error ? `failed: ${t.error}` : 'ok'}`);
    if (res.native) lines.push(`  native kernels: ${res.native.engine ?? res.native.reason}`);
  } catch (err) {
    ok = false;
    lines.push(`backend: unavailable: ${(err as Error).message.split('\n')[0]}`);
  }
  // Where Sinkhorn's row blocks run: the addon's C++ kernels, or the WebAssembly ones on worker threads.
  const { nativeSinkhorn } = await import('../../sinkhorn/row-block-threads.js');
  const { loadNativeAddon } = await import('../../engine/native-addon.js');
  const addon = loadNativeAddon();
  // Whether the long commands start again with malloc on huge pages (src/cli/relaunch.ts).
  const { hugePageStatus, relaunchFacts } = await import('../relaunch.js');
  lines.push(`huge pages: ${hugePageStatus(relaunchFacts([]), addon.addon?.reexec !== undefined)}`);
  lines.push(`sinkhorn: ${nativeSinkhorn() ? 'native kernels (C++, OpenMP threads)' : `WebAssembly kernels on worker threads (native: ${addon.addon ? 'the built addon predates them: make native' : addon.reason})`}`);
  // Every WebGPU adapter, CPU emulations included (auto passes over those; --backend webgpu takes them).
  const { probeWebGpu, describeAdapter } = await import('../../engine/webgpu.js');
  const webgpu = await probeWebGpu();
  lines.push(`webgpu adapters: ${webgpu.adapters.length > 0 ? webgpu.adapters.length : `none (${webgpu.error})`}`);
  for (const a of webgpu.adapters) lines.push(`  ${describeAdapter(a)}`);
  // The released network's engines: a missing GPU provider is normal, not a failure.
  try {
    const { probeProviders, gpuDeviceNodes } = await import('../../engine/open-released.js');
    const probe = await probeProviders();
    if (probe.error) lines.push(`released network: onnxruntime-node did not load (${probe.error}); --device auto uses TensorFlow.js`);
    else {
      lines.push(`released network: onnxruntime-node ${probe.version}; --device auto takes ${probe.auto}`);
      for (const p of probe.providers) lines.push(`  ${p.provider}: ${p.ok ? 'loads' : `no: ${p.detail}`}`);
      const gpus = gpuDeviceNodes();
      lines.push(`  GPU device nodes: ${gpus.length ? gpus.join(', ') : 'none'} (auto never takes webgpu: onnxruntime cannot tell a GPU from a CPU Vulkan device; --device webgpu asks for it)`);
    }
  } catch (err) {
    lines.push(`released network: probe failed: ${(err as Error).message.split('\n')[0]}`);
  }
  return { lines, ok };
}

/** The `doctor` command. */
export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'Show which ffmpeg, ffprobe, tensor backend and released-network engines selavi will use',
  builder: (y) =>
    y
      .option('backend', backendOption('backend to try first, as training would (default: env SELAVI_BACKEND, else auto)'))
      .example('$0 doctor', 'which ffmpeg, ffprobe and backend this machine will use')
      .example('$0 doctor --backend wasm', 'check that the wasm backend loads'),
  handler: async (argv) => {
    const { lines, ok } = await doctorReport({ backend: argv.backend });
    process.stdout.write(lines.join('\n') + '\n');
    if (!ok) process.exitCode = 1;
  },
};
