import { existsSync, readdirSync } from 'node:fs';

/**
 * GPU device nodes (NVIDIA's, or DRM render nodes of AMD's, Intel's, ...): a machine without any
 * has no GPU to offer, whatever its Vulkan loader finds (Mesa's CPU emulation needs none).
 */
export function gpuDeviceNodes(): string[] {
  const found: string[] = [];
  if (existsSync('/dev/nvidia0')) found.push('/dev/nvidia0');
  try {
    for (const f of readdirSync('/dev/dri')) if (f.startsWith('renderD')) found.push(`/dev/dri/${f}`);
  } catch {
    /* no DRM devices */
  }
  return found;
}
