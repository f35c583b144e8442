/** `selavi sela IMAGES --out RUN`: self-label an image collection (SeLa, image-only). */
import type { Argv, CommandModule } from 'yargs';
import { runOptionsFrom, withTrainFlags, type TrainFlags } from '../train-flags.js';

interface SelaArgs extends TrainFlags {
  images: string;
  size: number;
  limit?: number;
  answer: 'features' | 'heads';
}

export const selaCommand: CommandModule<object, SelaArgs> = {
  command: 'sela <images>',
  describe: 'Cluster images by self-labelling: a folder of png/jpg, or an IDX images file (e.g. Fashion-MNIST) with --truth its labels file',
  builder: (y: Argv) =>
    withTrainFlags(
      y
        .positional('images', { type: 'string', demandOption: true, describe: 'folder of png/jpg (any nesting), or an *-images-idx3-ubyte(.gz) file' })
        .option('size', { type: 'number', default: 32, describe: 'image side for folders (IDX images keep their size)' })
        .option('limit', { type: 'number', describe: 'use at most this many images' })
        .option('answer', {
          choices: ['features', 'heads'] as const,
          default: 'features' as const,
          describe:
            "what answers: features = k-means on a UMAP embedding of the trained encoder's features (500 to 100,000 images; otherwise the heads), heads = the heads' equal-size answer",
        })
        .example('$0 sela t10k-images-idx3-ubyte.gz --truth t10k-labels-idx1-ubyte.gz --out runs/fmnist', 'Fashion-MNIST test (`make fashion-mnist` says where its files are)')
        .example('$0 sela photos/ --out runs/photos --k 20 --no-flip', 'a folder of png/jpg, without the left-right mirror'),
    ) as unknown as Argv<SelaArgs>,
  handler: async (a) => {
    const { loadImages } = await import('../../train/load-images.js');
    const { runSela } = await import('../../pipeline/run-cluster.js');
    const { images, truthInData } = await loadImages(a.images, { truth: a.truth, size: a.size, limit: a.limit });
    const summary = await runSela(images, {
      ...runOptionsFrom(a, ['image']),
      truth: truthInData ? undefined : a.truth,
      answer: a.answer,
      items: { kind: /idx\d-ubyte(\.gz)?$/.test(a.images) ? 'idx' : 'images', path: a.images, ...(truthInData && { labels: a.truth }) },
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.interrupted) process.exitCode = 130;
  },
};
