import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameCount, renderFrames, type ClipMeta } from '../../tools/datasets/av-clip.js';
import { buildAvDigits, planAvDigits, type AvDigitsBuild } from '../../tools/datasets/av-digits.js';
import { CELLS_USED_PER_CLASS, cellClass, cellIndex, cellPixels, loadDigitSheet } from '../../tools/datasets/digit-sheet.js';
import { mixSeed, SeededRandom } from '../../tools/datasets/seeded-random.js';
import { selectVoices, SPEECH_RATE, VOICES } from '../../tools/datasets/speech-bank.js';
import { ConfigError } from '../../src/errors.js';
import { locate } from '../../src/media/ffmpeg-path.js';
import { whenDebian, type Maybe } from './debian-skip.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'selavi-avd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FMT = { size: 64, fps: 10, duration: 2 };
/** Every utterance 0.6 s long: planning needs only lengths, not the sounds. */
const stubLength = (): number => Math.round(0.6 * SPEECH_RATE);

describe('AV digits: the plan (no packages needed)', () => {
  const plan = planAvDigits(3000, 7, FMT, VOICES, stubLength);

  it('balances labels and draws unique random ids that do not carry the label', () => {
    const counts = new Array(10).fill(0);
    for (const c of plan) counts[c.label]++;
    expect(counts).toEqual(new Array(10).fill(300));
    expect(new Set(plan.map((c) => c.id)).size).toBe(plan.length);
    for (const c of plan) expect(c.path).toMatch(/^clips\/[0-9a-f]{12}\.mp4$/);
  });

  it('takes each image from the first 250 cells of its class', () => {
    for (const c of plan) {
      expect(c.classCell).toBeLessThan(CELLS_USED_PER_CLASS);
      expect(cellClass(c.cell)).toEqual({ digit: c.label, j: c.classCell });
    }
    expect(cellIndex(3, 249)).toBe(1749); // rows 15..17: cell 249 is row 17, column 49
  });

  it('keeps weak modalities exclusive and mismatches rare and never on a weak image', () => {
    const rate = (f: (c: ClipMeta) => boolean): number => plan.filter(f).length / plan.length;
    expect(rate((c) => c.weak === 'visual')).toBeGreaterThan(0.1);
    expect(rate((c) => c.weak === 'audio')).toBeGreaterThan(0.1);
    expect(rate((c) => c.mismatch)).toBeGreaterThan(0.015);
    expect(rate((c) => c.mismatch)).toBeLessThan(0.045);
    for (const c of plan) {
      expect(c.spoken === c.label).toBe(!c.mismatch);
      if (c.mismatch) expect(c.weak).not.toBe('visual');
      expect(c.degradation === null).toBe(c.weak === 'none');
      expect(c.occluder !== null).toBe(c.degradation === 'occluder');
      expect(c.onset + c.speechDuration).toBeLessThanOrEqual(c.duration);
    }
  });

  it('draws nuisances independently of the label', () => {
    for (let d = 0; d < 10; d++) {
      const mine = plan.filter((c) => c.label === d);
      const share = (f: (c: ClipMeta) => boolean): number => mine.filter(f).length / mine.length;
      expect(share((c) => c.polarity === 'light-on-dark')).toBeGreaterThan(0.38);
      expect(share((c) => c.polarity === 'light-on-dark')).toBeLessThan(0.62);
      expect(share((c) => c.voiceKind === 'recorded')).toBeGreaterThan(0.28);
      expect(share((c) => c.voiceKind === 'recorded')).toBeLessThan(0.52);
      expect(share((c) => c.noise === 'white')).toBeLessThan(0.45);
      expect(new Set(mine.map((c) => c.voice)).size).toBe(VOICES.length);
    }
  });

  it('is reproducible from the seed and changes with it', () => {
    expect(planAvDigits(3000, 7, FMT, VOICES, stubLength)).toEqual(plan);
    expect(planAvDigits(50, 8, FMT, VOICES, stubLength)[0]).not.toEqual(planAvDigits(50, 7, FMT, VOICES, stubLength)[0]);
  });
});

describe('AV digits: difficulty levels (the plan)', () => {
  const easyVoices = selectVoices('easy4');
  const english = selectVoices('english');

  it('easy: a large white digit centred and still on black, a clean English voice, the digit spoken', () => {
    const plan = planAvDigits(500, 3, FMT, easyVoices, stubLength, 'easy');
    expect(easyVoices.map((v) => v.language.slice(0, 2))).toEqual(['en', 'en', 'en', 'en']);
    for (const c of plan) {
      expect(c).toMatchObject({ weak: 'none', mismatch: false, spoken: c.label, background: [0, 0, 0], ink: [255, 255, 255], velocity: [0, 0], pixelNoise: 0, occluder: null, digitSize: 48, start: [8, 8] });
      expect(c.snrDb).toBeGreaterThanOrEqual(25);
      expect(easyVoices.map((v) => v.id)).toContain(c.voice);
    }
  });

  it('medium: coloured drifting digits on dark backgrounds, 12 English voices, white noise 5-20 dB, 15% one modality weak', () => {
    const plan = planAvDigits(3000, 3, FMT, english, stubLength, 'medium');
    expect(english).toHaveLength(12);
    expect(new Set(plan.map((c) => c.voice)).size).toBe(12);
    const weak = plan.filter((c) => c.weak !== 'none').length / plan.length;
    expect(weak).toBeGreaterThan(0.12);
    expect(weak).toBeLessThan(0.18);
    for (const c of plan) {
      expect(c.mismatch).toBe(false);
      expect(c.noise).toBe('white');
      expect(Math.max(...c.background)).toBeLessThanOrEqual(Math.ceil(0.25 * 255));
      if (c.weak === 'none') {
        expect(c.snrDb).toBeGreaterThanOrEqual(5);
        expect(c.snrDb).toBeLessThanOrEqual(20);
      }
    }
    expect(plan.some((c) => c.velocity[0] !== 0)).toBe(true);
  });

  it('hard is the plan it always was (same draws for the same seed)', () => {
    expect(planAvDigits(50, 7, FMT, VOICES, stubLength, 'hard')).toEqual(planAvDigits(50, 7, FMT, VOICES, stubLength));
  });
});

describe('AV digits: variations in form (the plan)', () => {
  const english = selectVoices('english');

  it('mixed: per clip a container, 64-160 px square or 4:3, 8-25 fps, 1.5-3 s; moving digits rotate and pulse', () => {
    const plan = planAvDigits(600, 4, FMT, english, stubLength, 'medium', 'mixed');
    expect(new Set(plan.map((c) => c.container))).toEqual(new Set(['mp4', 'webm', 'mkv']));
    expect(new Set(plan.map((c) => (c.width as number) / (c.height as number) > 1.2))).toEqual(new Set([true, false]));
    for (const c of plan) {
      expect(c.path).toBe(`clips/${c.id}.${c.container}`);
      expect(c.width! % 2 + c.height! % 2).toBe(0);
      expect(c.width).toBeGreaterThanOrEqual(64);
      expect(c.width).toBeLessThanOrEqual(160);
      expect(c.size).toBe(Math.min(c.width!, c.height!));
      expect(c.fps).toBeGreaterThanOrEqual(8);
      expect(c.fps).toBeLessThanOrEqual(25);
      expect(c.duration).toBeGreaterThanOrEqual(1.5);
      expect(c.duration).toBeLessThanOrEqual(3);
      expect(Math.abs(c.motion!.tilt)).toBeLessThanOrEqual(20);
      expect(c.motion!.pulse).toBeLessThanOrEqual(0.15);
      // The digit starts inside the frame, whatever its aspect.
      expect(c.start[0] + c.digitSize).toBeLessThanOrEqual(c.width!);
      expect(c.start[1] + c.digitSize).toBeLessThanOrEqual(c.height!);
    }
    expect(new Set(plan.map((c) => c.fps)).size).toBeGreaterThan(10);
  });

  it('the form has its own random stream: the content of a clip does not depend on the variation', () => {
    const fixed = planAvDigits(40, 4, FMT, english, stubLength, 'hard');
    const mixed = planAvDigits(40, 4, FMT, english, stubLength, 'hard', 'mixed');
    for (let i = 0; i < 40; i++) {
      expect([mixed[i].label, mixed[i].voice, mixed[i].cell, mixed[i].polarity]).toEqual([fixed[i].label, fixed[i].voice, fixed[i].cell, fixed[i].polarity]);
    }
    expect(fixed.every((c) => c.container === undefined && c.motion === undefined && c.path.endsWith('.mp4'))).toBe(true);
  });

  it('easy stays still under mixed forms; shifted goes wider than mixed on every axis', () => {
    expect(planAvDigits(200, 5, FMT, english, stubLength, 'easy', 'mixed').every((c) => c.motion === undefined && c.velocity[0] === 0)).toBe(true);
    const shifted = planAvDigits(1500, 5, FMT, english, stubLength, 'medium', 'shifted');
    expect(shifted.some((c) => c.width! < 64 || c.width! > 160)).toBe(true);
    expect(shifted.some((c) => c.height! > c.width!)).toBe(true); // portrait
    expect(shifted.some((c) => c.fps > 25 || c.fps < 8)).toBe(true);
    expect(shifted.some((c) => Math.abs(c.motion!.tilt) > 20)).toBe(true);
    expect(new Set(shifted.map((c) => c.container))).toContain('mov');
  });

  it('renders a rotated digit in a non-square frame: rgb24 [frames, height, width, 3], the digit visible', () => {
    const c = planAvDigits(40, 6, FMT, english, stubLength, 'medium', 'mixed').find((m) => m.width !== m.height) as ClipMeta;
    const cell = new Uint8Array(400).fill(255); // a solid square digit
    const frames = renderFrames({ ...c, pixelNoise: 0 }, cell, new SeededRandom(1));
    expect(frames.length).toBe(frameCount(c) * c.width! * c.height! * 3);
    const first = frames.subarray(0, c.width! * c.height! * 3);
    let inked = 0;
    for (let i = 0; i < first.length; i += 3) if (Math.abs(first[i] - c.ink[0]) + Math.abs(first[i + 1] - c.ink[1]) < 8) inked++;
    // A solid digit square, rotated and scaled, covers about its own area (scale ±15%).
    expect(inked / (c.digitSize * c.digitSize)).toBeGreaterThan(0.5);
    expect(inked / (c.digitSize * c.digitSize)).toBeLessThan(1.5);
  });
});

describe('AV digits: a small build from the Debian packages', () => {
  const out = path.join(tmp, 'a');
  let built: Maybe<AvDigitsBuild> = {};
  beforeAll(async () => {
    built = await whenDebian('AV digits build', () => buildAvDigits({ n: 6, seed: 3, out }));
  }, 900_000);

  const read = (dir: string, f: string): string => readFileSync(path.join(dir, f), 'utf8');
  const metas = (dir: string): ClipMeta[] => read(dir, 'meta.jsonl').trim().split('\n').map((l) => JSON.parse(l) as ClipMeta);

  it('writes clips named by random id, labels.csv and meta.jsonl that agree', (ctx) => {
    if (!built.value) return ctx.skip(built.skip);
    const meta = metas(out);
    expect(meta).toHaveLength(6);
    expect(meta).toEqual(built.value.clips);
    const files = readdirSync(path.join(out, 'clips')).sort();
    expect(files).toEqual(meta.map((m) => `${m.id}.mp4`).sort());
    for (const f of files) expect(f).toMatch(/^[0-9a-f]{12}\.mp4$/);
    expect(read(out, 'labels.csv')).toBe(['path,label', ...meta.map((m) => `${m.path},${m.label}`)].join('\n') + '\n');
    for (const m of meta) {
      expect(cellClass(m.cell)).toEqual({ digit: m.label, j: m.classCell });
      expect(m.classCell).toBeLessThan(CELLS_USED_PER_CLASS);
    }
  });

  it('makes clips of 1.5-3 s with an H.264 and an AAC stream', (ctx) => {
    if (!built.value) return ctx.skip(built.skip);
    for (const m of metas(out)) {
      const probe = JSON.parse(execFileSync(locate('ffprobe').path, ['-v', 'error', '-show_entries',
        'format=duration:stream=codec_name,width,height', '-of', 'json', path.join(out, m.path)]).toString()) as {
        format: { duration: string };
        streams: { codec_name: string; width?: number }[];
      };
      const seconds = Number(probe.format.duration);
      expect(seconds).toBeGreaterThanOrEqual(1.5);
      expect(seconds).toBeLessThanOrEqual(3);
      expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(probe.streams.find((s) => s.codec_name === 'h264')?.width).toBe(m.size);
    }
  });

  it('shows the digit of its meta: the video is closest to its own cell', async (ctx) => {
    if (!built.value) return ctx.skip(built.skip);
    const sheet = await loadDigitSheet();
    const meta = metas(out);
    for (const [i, m] of meta.entries()) {
      if (m.weak === 'visual') continue;
      const raw = execFileSync(locate('ffmpeg').path, ['-v', 'error', '-i', path.join(out, m.path), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
      expect(raw.length).toBe(frameCount(m) * m.size * m.size * 3);
      // Render the same clip with each digit's cell in place of its own; the real one fits best.
      const error = (cell: number): number => {
        const expected = renderFrames(m, cellPixels(sheet, cell), new SeededRandom(mixSeed(3, i, 2)));
        let sum = 0;
        for (let k = 0; k < expected.length; k++) sum += Math.abs(expected[k] - raw[k]);
        return sum / expected.length;
      };
      const own = error(m.cell);
      for (let d = 0; d < 10; d++) if (d !== m.label) expect(own).toBeLessThan(error(cellIndex(d, m.classCell)));
    }
  });

  it('gives the same meta for the same seed, and refuses to overwrite without force', async (ctx) => {
    if (!built.value) return ctx.skip(built.skip);
    const again = path.join(tmp, 'b');
    await buildAvDigits({ n: 6, seed: 3, out: again });
    for (const f of ['meta.jsonl', 'labels.csv', 'build.json']) expect(read(again, f)).toBe(read(out, f));
    await expect(buildAvDigits({ n: 6, seed: 3, out: again })).rejects.toThrow(ConfigError);
    const other = await buildAvDigits({ n: 6, seed: 4, out: again, force: true });
    expect(other.clips.map((c) => c.id)).not.toEqual(built.value.clips.map((c) => c.id));
    expect(readdirSync(path.join(again, 'clips'))).toHaveLength(6);
  });
});
