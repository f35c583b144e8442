/**
 * Fashion-MNIST (Zalando, MIT licence) from Debian's `dataset-fashion-mnist` package, which
 * ships the four original IDX files gzip'd under `usr/share/datasets/fashion-mnist/`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fetchDebianPackage, type DebianPackageOptions } from './debian-package.js';
import { readIdxImages, type ReadIdxImagesOptions } from '../../src/data/idx.js';
import type { ImageSet } from '../../src/data/types.js';
import { UserError } from '../../src/errors.js';

export const FASHION_MNIST_PACKAGE = 'dataset-fashion-mnist';

/** Class names in label order (0 = T-shirt/top ... 9 = Ankle boot). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export interface FashionMnistPaths {
  /** 60,000 training images, 28x28. */
  trainImages: string;
  trainLabels: string;
  /** 10,000 test images. */
  testImages: string;
  testLabels: string;
}

/**
 * Absolute paths of the four `.gz` IDX files, fetching and unpacking the Debian package first
 * when the cache does not have it.
 * @throws DebianPackageError when the package cannot be fetched; UserError if a file is missing.
 */
export async function fashionMnistPaths(opts: DebianPackageOptions = {}): Promise<FashionMnistPaths> {
  const { root } = await fetchDebianPackage(FASHION_MNIST_PACKAGE, opts);
  const dir = path.join(root, 'usr/share/datasets/fashion-mnist');
  const paths: FashionMnistPaths = {
    trainImages: path.join(dir, 'train-images-idx3-ubyte.gz'),
    trainLabels: path.join(dir, 'train-labels-idx1-ubyte.gz'),
    testImages: path.join(dir, 't10k-images-idx3-ubyte.gz'),
    testLabels: path.join(dir, 't10k-labels-idx1-ubyte.gz'),
  };
  for (const p of Object.values(paths)) {
    if (!existsSync(p)) throw new UserError(`${FASHION_MNIST_PACKAGE}: expected file missing: ${p}`);
  }
  return paths;
}

/** The `train` or `test` split as a one-channel 28x28 ImageSet with truth labels. */
export async function loadFashionMnist(
  split: 'train' | 'test',
  opts: ReadIdxImagesOptions & DebianPackageOptions = {},
): Promise<ImageSet> {
  const p = await fashionMnistPaths(opts);
  return split === 'train'
    ? readIdxImages(p.trainImages, p.trainLabels, opts)
    : readIdxImages(p.testImages, p.testLabels, opts);
}
