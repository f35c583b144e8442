/** Images for `selavi sela`: an IDX images file (labels from an IDX `--truth`), or a folder of png/jpg. */
import { statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { readIdxImages } from '../data/idx.js';
import { readImageFolder } from '../data/image-folder.js';
import type { ImageSet } from '../data/types.js';

const IDX_NAME = /idx\d-ubyte(\.gz)?$/;

/** `truthInData`: the truth came with the images (IDX labels) and is already in `images.truth`. */
export async function loadImages(source: string, opts: { truth?: string; size: number; limit?: number }): Promise<{ images: ImageSet; truthInData: boolean }> {
  let stat;
  try {
    stat = statSync(source);
  } catch {
    throw new InputError(source, 'no such file or folder');
  }
  if (stat.isFile()) {
    if (!IDX_NAME.test(source)) throw new InputError(source, 'expected a folder of images or an IDX images file (*-images-idx3-ubyte[.gz])');
    const idxTruth = opts.truth && IDX_NAME.test(opts.truth) ? opts.truth : undefined;
    const images = await readIdxImages(source, idxTruth, { limit: opts.limit });
    return { images, truthInData: idxTruth !== undefined };
  }
  const images = await readImageFolder(source, { size: opts.size, skipBad: true, limit: opts.limit });
  return { images, truthInData: false };
}
