/**
 * Builds the AV-digits data set (see tools/datasets/av-digits.ts).
 * Usage: npx tsx scripts/av-digits.ts --n 2000 --seed 1 --out DIR [--force] [--level easy|medium|hard]
 *        [--voices all|recorded|synthetic|english|easy4] [--variation fixed|mixed|shifted]
 *        [--size 64] [--fps 10] [--duration 2] [--crf 30] [--audio-bitrate 24k] [--jobs 2]
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { buildAvDigits } from '../tools/datasets/av-digits.js';
import { UserError } from '../src/errors.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('av-digits')
  .usage('$0 --n N --seed S --out DIR')
  .option('n', { type: 'number', demandOption: true, describe: 'number of clips' })
  .option('seed', { type: 'number', default: 0, describe: 'random seed (same seed, same meta.jsonl)' })
  .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
  .option('force', { type: 'boolean', default: false, describe: 'replace an existing data set in --out' })
  .option('level', { choices: ['easy', 'medium', 'hard'] as const, default: 'hard' as const, describe: 'easy: centred still white digit, 4 clean English voices; medium: coloured drifting digits, 12 English voices, white noise 5-20 dB, 15% one modality weak; hard: every nuisance' })
  .option('variation', { choices: ['fixed', 'mixed', 'shifted'] as const, default: 'fixed' as const, describe: 'fixed: one size, fps, duration and container (mp4); mixed: per clip mp4/webm/mkv, 64-160 px square or 4:3, 8-25 fps, 1.5-3 s, moving digits also rotate and pulse in scale; shifted: wider still on every axis (kept out of tuning)' })
  .option('voices', { choices: ['all', 'recorded', 'synthetic', 'english', 'easy4'] as const, describe: 'default: easy4 (easy), english (medium), all (hard)' })
  .option('size', { type: 'number', default: 64, describe: 'frame side, pixels' })
  .option('fps', { type: 'number', default: 10 })
  .option('duration', { type: 'number', default: 2, describe: 'seconds (1.5..3)' })
  .option('crf', { type: 'number', default: 30, describe: 'x264 quality (higher = smaller)' })
  .option('audio-bitrate', { type: 'string', default: '24k' })
  .option('jobs', { type: 'number', default: 2, describe: 'parallel ffmpeg encoders' })
  .strict()
  .parseSync();

try {
  const build = await buildAvDigits({
    n: argv.n,
    seed: argv.seed,
    out: argv.out,
    force: argv.force,
    voices: argv.voices,
    level: argv.level,
    variation: argv.variation,
    size: argv.size,
    fps: argv.fps,
    duration: argv.duration,
    crf: argv.crf,
    audioBitrate: argv['audio-bitrate'],
    concurrency: argv.jobs,
    log: (line) => console.error(line),
  });
  console.log(`wrote ${build.clips.length} clips to ${build.dir} in ${build.seconds.toFixed(1)} s`);
} catch (e) {
  if (!(e instanceof UserError)) throw e;
  console.error(`error: ${e.message}`);
  process.exit(2);
}
