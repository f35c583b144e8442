/**
 * AV digits, in the spirit of AV-MNIST: short videos that show a real handwritten digit
 * (OpenCV's digits sheet) and speak a digit (recorded and synthetic voices), built only from
 * Debian packages. Output folder:
 *   clips/<random id>.mp4   names never carry the label
 *   labels.csv              `path,label`, paths relative to the folder
 *   meta.jsonl              one {@link ClipMeta} per clip, in labels.csv order
 *   build.json              seed, format, voices and package versions (no timestamps)
 * The same seed (and the same package versions) gives the same meta.jsonl.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DebianPackageOptions } from './debian-package.js';
import { ConfigError } from '../../src/errors.js';
import {
  frameDims,
  planClipFormat,
  planLevelClip,
  planMotion,
  renderAudio,
  renderFrames,
  tempoIndex,
  type ClipFormat,
  type ClipMeta,
  type Level,
  type Variation,
} from './av-clip.js';
import { cellPixels, DIGIT_SHEET_PACKAGE, loadDigitSheet } from './digit-sheet.js';
import { encodeClip } from './encode-clip.js';
import { runPool } from './run-pool.js';
import { mixSeed, SeededRandom } from './seeded-random.js';
import { loadSpeechBank, SPEECH_RATE, type SpeechBank, type Voice, type VoiceSelection } from './speech-bank.js';

export interface AvDigitsOptions extends DebianPackageOptions {
  /** Number of clips (labels balanced: n/10 of each digit, give or take one). */
  n: number;
  seed: number;
  /** Output folder; created if missing. */
  out: string;
  /** Frame side in pixels (even); default 64. */
  size?: number;
  /** Frames per second; default 10. */
  fps?: number;
  /** Seconds, 1.5 to 3; default 2. */
  duration?: number;
  /** Which voices speak; default: all (hard), the 12 English ones (medium), 4 clean English ones (easy). */
  voices?: VoiceSelection;
  /** Difficulty (see {@link Level}); default 'hard'. */
  level?: Level;
  /** How much clips differ in form (see {@link Variation}); default 'fixed'. `size`, `fps` and `duration` apply to `fixed` only. */
  variation?: Variation;
  /** Parallel ffmpeg encoders; default 2. */
  concurrency?: number;
  /** x264 CRF; default 30. */
  crf?: number;
  /** AAC bitrate; default '24k'. */
  audioBitrate?: string;
  /** Replace an existing build in `out` instead of refusing. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface AvDigitsBuild {
  dir: string;
  clips: ClipMeta[];
  seconds: number;
}

const DEFAULT_VOICES: Record<Level, VoiceSelection> = { easy: 'easy4', medium: 'english', hard: 'all' };

function checkOptions(o: AvDigitsOptions): ClipFormat {
  const fmt = { size: o.size ?? 64, fps: o.fps ?? 10, duration: o.duration ?? 2 };
  if (!Number.isInteger(o.n) || o.n < 1) throw new ConfigError(`--n must be a positive integer, got ${o.n}`);
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new ConfigError(`--seed must be a non-negative integer, got ${o.seed}`);
  if (!Number.isInteger(fmt.size) || fmt.size < 32 || fmt.size > 512 || fmt.size % 2 !== 0) {
    throw new ConfigError(`--size must be an even integer in 32..512, got ${fmt.size}`);
  }
  if (!(fmt.fps >= 4 && fmt.fps <= 30)) throw new ConfigError(`--fps must be in 4..30, got ${fmt.fps}`);
  if (!(fmt.duration >= 1.5 && fmt.duration <= 3)) throw new ConfigError(`--duration must be in 1.5..3 seconds, got ${fmt.duration}`);
  return fmt;
}

/**
 * Plans all clips (no rendering): balanced shuffled labels, unique random ids, one plan per clip
 * from its own random stream seeded by (seed, index).
 */
export function planAvDigits(
  n: number,
  seed: number,
  fmt: ClipFormat,
  voices: readonly Voice[],
  speechLength: (voice: number, digit: number, tempo: number) => number,
  level: Level = 'hard',
  variation: Variation = 'fixed',
): ClipMeta[] {
  const master = new SeededRandom(mixSeed(seed, 0x5e1a));
  const labels = master.shuffle(Array.from({ length: n }, (_, i) => i % 10));
  const ids = new Set<string>();
  return labels.map((label, i) => {
    let id = master.hex(12);
    while (ids.has(id)) id = master.hex(12);
    ids.add(id);
    if (variation === 'fixed') return planLevelClip(level, new SeededRandom(mixSeed(seed, i, 1)), id, label, fmt, voices, speechLength);
    // The form has its own stream: the content's draws are those of a fixed build of that form.
    const formRng = new SeededRandom(mixSeed(seed, i, 3));
    const form = planClipFormat(variation, formRng, fmt);
    const meta = planLevelClip(level, new SeededRandom(mixSeed(seed, i, 1)), id, label, form, voices, speechLength);
    const motion = level === 'easy' ? undefined : planMotion(variation, formRng); // easy digits stay still
    return { ...meta, path: `clips/${id}.${form.container}`, width: form.width, height: form.height, container: form.container, ...(motion ? { motion } : {}) };
  });
}

/** True when `dir` has clips or a meta.jsonl from an earlier build. */
async function holdsDataSet(dir: string): Promise<boolean> {
  const clips = path.join(dir, 'clips');
  return (existsSync(clips) && (await readdir(clips)).length > 0) || existsSync(path.join(dir, 'meta.jsonl'));
}

/** Refuses to mix two builds in one folder, or clears the old one with `force`. */
async function prepareOut(dir: string, force: boolean): Promise<void> {
  const clips = path.join(dir, 'clips');
  if (await holdsDataSet(dir)) {
    if (!force) throw new ConfigError(`${dir} already holds a data set: pass --force to replace it`);
    for (const f of ['clips', 'labels.csv', 'meta.jsonl', 'build.json']) await rm(path.join(dir, f), { recursive: true, force: true });
  }
  await mkdir(clips, { recursive: true });
}

/**
 * Builds the data set: fetches the Debian packages (cached), renders the speech bank once,
 * then renders and encodes every clip with a pool of ffmpeg processes.
 * @throws ConfigError for bad options; DebianPackageError when a package cannot be had.
 * @example await buildAvDigits({ n: 2000, seed: 1, out: 'data/av-digits' });
 */
export async function buildAvDigits(opts: AvDigitsOptions): Promise<AvDigitsBuild> {
  const t0 = Date.now();
  const fmt = checkOptions(opts);
  const log = opts.log ?? (() => undefined);
  const dir = path.resolve(opts.out);
  // Fail before the slow part; the old set is only removed once the sources are ready.
  if (!opts.force && (await holdsDataSet(dir))) throw new ConfigError(`${dir} already holds a data set: pass --force to replace it`);
  const level = opts.level ?? 'hard';
  const voices = opts.voices ?? DEFAULT_VOICES[level];
  const bank: SpeechBank = await loadSpeechBank({ ...opts, voices, log });
  const sheet = await loadDigitSheet(opts);
  const variation = opts.variation ?? 'fixed';
  const clips = planAvDigits(opts.n, opts.seed, fmt, bank.voices, (v, d, t) => bank.get(v, d, t).length, level, variation);
  await prepareOut(dir, opts.force ?? false);

  const voiceIndex = new Map(bank.voices.map((v, i) => [v.id, i]));
  let done = 0;
  const step = Math.max(1, Math.round(clips.length / 10));
  log(`av-digits: rendering ${clips.length} clips into ${dir}`);
  await runPool(clips.length, opts.concurrency ?? 2, async (i) => {
    const meta = clips[i];
    const rng = new SeededRandom(mixSeed(opts.seed, i, 2));
    const frames = renderFrames(meta, cellPixels(sheet, meta.cell), rng);
    const speech = bank.get(voiceIndex.get(meta.voice) as number, meta.spoken, tempoIndex(meta));
    const audio = renderAudio(meta, speech, rng);
    const [width, height] = frameDims(meta);
    await encodeClip(path.join(dir, meta.path), frames, audio, {
      width, height, fps: meta.fps, sampleRate: SPEECH_RATE, crf: opts.crf, audioBitrate: opts.audioBitrate, container: meta.container,
    });
    if (++done % step === 0 || done === clips.length) log(`av-digits: ${done}/${clips.length}`);
  });

  await writeFile(path.join(dir, 'labels.csv'), ['path,label', ...clips.map((c) => `${c.path},${c.label}`)].join('\n') + '\n');
  await writeFile(path.join(dir, 'meta.jsonl'), clips.map((c) => JSON.stringify(c)).join('\n') + '\n');
  const packages = [...bank.packages, { name: DIGIT_SHEET_PACKAGE, version: sheet.version ?? '' }]
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const build = {
    generator: 'selavi-ts av-digits',
    n: opts.n,
    seed: opts.seed,
    ...(level === 'hard' ? {} : { level }),
    ...(variation === 'fixed' ? {} : { variation }),
    voiceSelection: voices,
    format:
      variation === 'fixed'
        ? { ...fmt, audioRate: SPEECH_RATE, video: `h264 crf ${opts.crf ?? 30}`, audio: `aac ${opts.audioBitrate ?? '24k'}` }
        : { perClip: 'width, height, fps, duration, container: see meta.jsonl', audioRate: SPEECH_RATE },
    voices: bank.voices.map((v) => ({ id: v.id, kind: v.kind, language: v.language, speaker: v.speaker, package: v.package })),
    packages,
  };
  await writeFile(path.join(dir, 'build.json'), JSON.stringify(build, null, 2) + '\n');
  return { dir, clips, seconds: (Date.now() - t0) / 1000 };
}

