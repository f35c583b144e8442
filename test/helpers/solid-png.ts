import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

interface PngOut {
  data: Buffer;
}
const { PNG } = createRequire(import.meta.url)('pngjs') as {
  PNG: { new (o: { width: number; height: number }): PngOut; sync: { write(p: PngOut, o?: object): Buffer } };
};

/** Writes a w x h RGBA PNG whose every pixel is `rgba` (creating its folder). */
export function solidPng(file: string, w: number, h: number, rgba: [number, number, number, number]): void {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) png.data.set(rgba, i * 4);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, PNG.sync.write(png));
}
