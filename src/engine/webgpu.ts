/**
 * WebGPU on Node for TensorFlow.js: Dawn's Node binding (the `webgpu` npm package, whose
 * `dawn.node` ships inside the package and drives the system's Vulkan) provides `navigator.gpu`,
 * which `@tensorflow/tfjs-backend-webgpu` expects from a browser. Upstream never finished Node
 * support, so the globals are installed here, once per process.
 *
 * Only asynchronous reads work on this backend (`dataSync` needs a browser's OffscreenCanvas);
 * the library reads tensors with `data()` everywhere.
 */

import { firstLine, isMissingPackage } from './import-errors.js';

/** One adapter Dawn offers, as `selavi doctor` shows it. */
export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU emulation (Mesa's llvmpipe/lavapipe, SwiftShader): correct, not fast; `auto` skips it. */
  cpuEmulation: boolean;
}

/** What `probeWebGpu` found: the adapters, or why there are none. */
export interface WebGpuProbe {
  adapters: GpuAdapterSummary[];
  /** Why no adapter: the package is missing or broken, or Vulkan has no device. */
  error?: string;
  /** The `webgpu` package itself is not installed (nothing on this machine to try). */
  missing?: true;
}

/** The WebGPU entry point Dawn returns; only what this module uses. */
interface GpuLike {
  requestAdapter(opts?: Record<string, unknown>): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface WebGpuPackage {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

/** Whether an adapter is a CPU emulation: its own flag, or a name that says so. */
export function isCpuEmulation(info: AdapterLike['info'], adapterFlag?: boolean): boolean {
  if (info?.isFallbackAdapter === true || adapterFlag === true) return true;
  return [info?.vendor, info?.architecture, info?.device, info?.description].some((s) => s !== undefined && SOFTWARE.test(s));
}

let installed: { pkg: WebGpuPackage; gpu: GpuLike } | undefined;

/**
 * Loads the `webgpu` package and installs its globals (`GPUBufferUsage`, ...) and `navigator.gpu`
 * on `globalThis`, once per package (tests inject fakes). Throws with the package's own message
 * when it cannot load.
 */
export async function installWebGpuGlobals(importer: (s: string) => Promise<unknown> = (s) => import(s)): Promise<GpuLike> {
  const pkg = (await importer('webgpu')) as WebGpuPackage;
  if (installed?.pkg === pkg) return installed.gpu;
  const created = pkg.create([]);
  for (const [name, value] of Object.entries(pkg.globals)) {
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  // Node 21+ has its own `navigator` (without `gpu`); Node 20 has none.
  const nav = (globalThis as { navigator?: Record<string, unknown> }).navigator;
  if (nav !== undefined) Object.defineProperty(nav, 'gpu', { value: created, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: created, userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
  installed = { pkg, gpu: created };
  return created;
}

/**
 * The adapters Dawn offers (one per power preference; usually the same one twice), deduplicated,
 * or why there are none. Never throws.
 */
export async function probeWebGpu(importer?: (s: string) => Promise<unknown>): Promise<WebGpuProbe> {
  let entry: GpuLike;
  try {
    entry = await installWebGpuGlobals(importer);
  } catch (err) {
    return isMissingPackage('webgpu', err)
      ? { adapters: [], error: 'the webgpu package is not installed (npm install webgpu)', missing: true }
      : { adapters: [], error: `the webgpu package did not load: ${firstLine(err)}` };
  }
  const adapters: GpuAdapterSummary[] = [];
  for (const powerPreference of ['high-performance', 'low-power']) {
    let adapter: AdapterLike | null;
    try {
      adapter = await entry.requestAdapter({ powerPreference });
    } catch (err) {
      return { adapters, error: `requestAdapter failed: ${firstLine(err)}` };
    }
    if (adapter === null) continue;
    const i = adapter.info ?? {};
    const summary: GpuAdapterSummary = {
      vendor: i.vendor ?? '',
      architecture: i.architecture ?? '',
      device: i.device ?? '',
      description: i.description ?? '',
      cpuEmulation: isCpuEmulation(i, adapter.isFallbackAdapter),
    };
    if (!adapters.some((a) => a.description === summary.description && a.device === summary.device && a.vendor === summary.vendor)) adapters.push(summary);
  }
  return adapters.length > 0
    ? { adapters }
    : { adapters, error: 'no WebGPU adapter: Vulkan found no device (install the Vulkan loader, libvulkan1, and your GPU vendor\'s Vulkan driver)' };
}

/** One line naming an adapter, e.g. `llvmpipe: Mesa 25.0.7 (mesa, software; CPU emulation)`. */
export function describeAdapter(a: GpuAdapterSummary): string {
  const name = a.description || a.device || 'unnamed adapter';
  const extra = [a.vendor, a.architecture].filter((s) => s !== '').join(', ');
  return `${name}${extra ? ` (${extra}${a.cpuEmulation ? '; CPU emulation' : ''})` : a.cpuEmulation ? ' (CPU emulation)' : ''}`;
}
