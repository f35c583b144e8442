/**
 * Spoken digits 0-9 by several speakers, all from Debian packages: recorded Asterisk telephony
 * prompts (five languages, eight people) and synthetic voices (espeak-ng, flite). Each
 * (voice, digit) is rendered once into the cache as 16 kHz mono float PCM, silence trimmed,
 * peak-normalised, at each of a few tempos made with ffmpeg's `atempo` (tempo changes, pitch
 * stays). Clip builders then only read these small files.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  cacheRoot,
  fetchDebianPackage,
  fetchWithDependencies,
  libraryPath,
  type DebianPackageOptions,
  type UnpackedPackage,
} from './debian-package.js';
import { UserError } from '../../src/errors.js';
import { locate } from '../../src/media/ffmpeg-path.js';
import { runTool } from '../../src/media/run-process.js';
import { runPool } from './run-pool.js';

export const SPEECH_RATE = 16000;
/** Tempo factors rendered per utterance (1 = as recorded). */
export const TEMPOS = [0.8, 0.9, 1.0, 1.12, 1.25] as const;
/** Bump when rendering changes, so stale caches are not reused. */
const BANK_VERSION = 'speech-v1';

export type VoiceKind = 'recorded' | 'espeak-ng' | 'flite';

/** One voice: who or what speaks, in which language, from which Debian package. */
export interface Voice {
  id: string;
  kind: VoiceKind;
  /** BCP 47 tag of the language spoken. */
  language: string;
  /** The recorded person, or the synthesiser's voice name. */
  speaker: string;
  /** 'f' / 'm' when the source says so. */
  gender?: 'f' | 'm';
  /** Debian package the sound (or the synthesiser) comes from. */
  package: string;
  /** recorded: folder of `<digit>.<ext>` inside the package. */
  dir?: string;
  ext?: 'g722' | 'gsm';
  /** espeak-ng `-v` or flite `-voice` argument. */
  synth?: string;
}

const rec = (id: string, language: string, speaker: string, gender: 'f' | 'm', pkg: string, dir: string, ext: 'g722' | 'gsm'): Voice => ({
  id, kind: 'recorded', language, speaker, gender, package: pkg, dir: `usr/share/asterisk/sounds/${dir}/digits`, ext,
});
const espeak = (synth: string, language: string): Voice => ({
  id: `espeak-${synth.replace('+', '-')}`, kind: 'espeak-ng', language, speaker: `espeak-ng ${synth}`, package: 'espeak-ng', synth,
});
const flite = (synth: string): Voice => ({
  id: `flite-${synth}`, kind: 'flite', language: 'en-US', speaker: `flite ${synth}`, package: 'flite', synth,
});

/** Every voice; clips draw one uniformly, independently of the digit. */
export const VOICES: readonly Voice[] = [
  rec('asterisk-en-allison', 'en-US', 'Allison Smith', 'f', 'asterisk-core-sounds-en-g722', 'en_US_f_Allison', 'g722'),
  rec('asterisk-es-allison', 'es-MX', 'Allison Smith', 'f', 'asterisk-core-sounds-es-g722', 'es_MX_f_Allison', 'g722'),
  rec('asterisk-fr-june', 'fr-CA', 'June Wallack', 'f', 'asterisk-core-sounds-fr-g722', 'fr_CA_f_June', 'g722'),
  rec('asterisk-it-carlo', 'it-IT', 'Carlo Flora', 'm', 'asterisk-core-sounds-it-g722', 'it_IT_m_Carlo', 'g722'),
  rec('asterisk-ru-ivrvoice', 'ru-RU', 'IvrvoiceRU (Maxim Topal)', 'f', 'asterisk-core-sounds-ru-g722', 'ru_RU_f_IvrvoiceRU', 'g722'),
  rec('asterisk-es-co-avatar', 'es-CO', 'July E. Jiménez (Avatar Ltda.)', 'f', 'asterisk-prompt-es-co', 'es', 'gsm'),
  rec('asterisk-fr-armelle', 'fr-FR', 'Armelle Desjardins', 'f', 'asterisk-prompt-fr-armelle', 'fr', 'gsm'),
  rec('asterisk-it-menardi', 'it-IT', 'Menardi / Dal Zot', 'f', 'asterisk-prompt-it-menardi-gsm', 'it_IT_f_Menardi', 'gsm'),
  espeak('en-us+m3', 'en-US'),
  espeak('en-gb-x-rp+f2', 'en-GB'),
  espeak('de+m1', 'de'),
  espeak('fr-fr+f3', 'fr-FR'),
  espeak('es-419+m4', 'es-419'),
  espeak('it+f5', 'it'),
  espeak('pt-br+m2', 'pt-BR'),
  espeak('pl+f4', 'pl'),
  flite('awb'),
  flite('rms'),
  flite('slt'),
  flite('kal16'),
];

/** More English synthetic voices for the medium level (a dozen English voices with the above). */
export const EXTRA_ENGLISH_VOICES: readonly Voice[] = [
  espeak('en-us+f3', 'en-US'),
  espeak('en-gb+m2', 'en-GB'),
  espeak('en-gb-scotland+m1', 'en-GB-x-scotland'),
  espeak('en-029+f1', 'en-029'),
  espeak('en-us+m7', 'en-US'),
];

/** The easy level's voices: four clean English speakers, one recorded. */
const EASY_VOICES = ['asterisk-en-allison', 'flite-slt', 'flite-rms', 'espeak-en-us-m3'];

/** `english`: every English voice (12); `easy4`: the four clean English voices of the easy level. */
export type VoiceSelection = 'all' | 'recorded' | 'synthetic' | 'english' | 'easy4';

export function selectVoices(which: VoiceSelection): Voice[] {
  if (which === 'easy4') return EASY_VOICES.map((id) => VOICES.find((v) => v.id === id)!);
  if (which === 'english') return [...VOICES, ...EXTRA_ENGLISH_VOICES].filter((v) => v.language.startsWith('en'));
  return VOICES.filter((v) => which === 'all' || (which === 'recorded') === (v.kind === 'recorded'));
}

/** Rendered utterances: `get(voiceIndex, digit, tempoIndex)` → mono float PCM at SPEECH_RATE. */
export interface SpeechBank {
  voices: Voice[];
  get(voice: number, digit: number, tempo: number): Float32Array;
  /** Debian packages used, with versions, for provenance. */
  packages: { name: string; version: string }[];
}

/** Trims leading/trailing silence (10 ms frames under 5% of the loudest) and scales the peak to 0.9. */
export function trimAndNormalise(x: Float32Array, rate = SPEECH_RATE): Float32Array {
  const hop = Math.round(rate / 100);
  const frames = Math.ceil(x.length / hop);
  const rms = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let s = 0;
    const end = Math.min(x.length, (f + 1) * hop);
    for (let i = f * hop; i < end; i++) s += x[i] * x[i];
    rms[f] = Math.sqrt(s / Math.max(1, end - f * hop));
  }
  let loud = 0;
  for (const r of rms) loud = Math.max(loud, r);
  if (loud === 0) return new Float32Array(0);
  let first = 0;
  while (rms[first] < 0.05 * loud) first++;
  let last = frames - 1;
  while (rms[last] < 0.05 * loud) last--;
  const pad = 3 * hop; // keep soft onsets and release
  const from = Math.max(0, first * hop - pad);
  const to = Math.min(x.length, (last + 1) * hop + pad);
  const y = x.slice(from, to);
  let peak = 0;
  for (const v of y) peak = Math.max(peak, Math.abs(v));
  const g = peak > 0 ? 0.9 / peak : 0;
  const fade = Math.min(Math.round(rate * 0.005), y.length >> 1);
  for (let i = 0; i < y.length; i++) {
    const ramp = Math.min(1, i / fade, (y.length - 1 - i) / fade);
    y[i] *= g * (fade > 0 ? ramp : 1);
  }
  return y;
}

function bankDir(env?: NodeJS.ProcessEnv): string {
  return path.join(cacheRoot(env), 'av-digits', BANK_VERSION);
}

function utterancePath(dir: string, voice: Voice, digit: number, tempo: number): string {
  return path.join(dir, voice.id, `${digit}-t${tempo}.f32`);
}

/** Packages that hold a synthesiser's program and voice data. */
const SYNTH_PACKAGES: Record<'espeak-ng' | 'flite', string[]> = {
  'espeak-ng': ['espeak-ng', 'libespeak-ng1', 'espeak-ng-data'],
  flite: ['flite', 'libflite1'],
};

interface Synths {
  espeak?: { bin: string; dataParent: string; env: NodeJS.ProcessEnv };
  flite?: { bin: string; env: NodeJS.ProcessEnv };
}

function withLibs(pkgs: UnpackedPackage[]): NodeJS.ProcessEnv {
  const libs = libraryPath(pkgs);
  const old = process.env.LD_LIBRARY_PATH;
  return { ...process.env, LD_LIBRARY_PATH: old ? `${libs}:${old}` : libs };
}

async function prepareSynths(voices: Voice[], opts: DebianPackageOptions, used: Map<string, string>): Promise<Synths> {
  const out: Synths = {};
  // Provenance lists the packages whose content makes the sound, not the shared libraries that
  // happen to be missing on this machine (so build.json is the same on every machine).
  const note = (pkgs: UnpackedPackage[]): void =>
    pkgs.filter((p) => Object.values(SYNTH_PACKAGES).flat().includes(p.name)).forEach((p) => used.set(p.name, p.version));
  if (voices.some((v) => v.kind === 'espeak-ng')) {
    const pkgs = await fetchWithDependencies('espeak-ng', opts);
    note(pkgs);
    const root = (name: string): string | undefined => pkgs.find((p) => p.name === name)?.root;
    // espeak-ng's `--path` is the folder that holds `espeak-ng-data`.
    const arch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
    const dataRoot = root('espeak-ng-data');
    out.espeak = {
      bin: path.join(root('espeak-ng') as string, 'usr/bin/espeak-ng'),
      dataParent: dataRoot ? path.join(dataRoot, 'usr/lib', arch) : path.join('/usr/lib', arch),
      env: withLibs(pkgs),
    };
  }
  if (voices.some((v) => v.kind === 'flite')) {
    const pkgs = await fetchWithDependencies('flite', opts);
    note(pkgs);
    out.flite = { bin: path.join(pkgs[0].root, 'usr/bin/flite'), env: withLibs(pkgs) };
  }
  return out;
}

/** Renders one (voice, digit) at every tempo into `dir`. */
async function renderUtterance(voice: Voice, digit: number, dir: string, source: string | undefined, synths: Synths): Promise<void> {
  const ffmpeg = locate('ffmpeg').path;
  const tmp = await mkdtemp(path.join(dir, '.tmp-'));
  try {
    let input: string;
    let format: string[] = [];
    if (voice.kind === 'recorded') {
      input = path.join(source as string, `${digit}.${voice.ext}`);
      // Raw codec streams have no header: probing misreads some (e.g. a GSM file as another format).
      format = ['-f', voice.ext as string];
    } else if (voice.kind === 'espeak-ng') {
      const s = synths.espeak!;
      input = path.join(tmp, 'tts.wav');
      // The numeral, not a word: espeak-ng reads it in the voice's own language.
      await runTool(s.bin, [`--path=${s.dataParent}`, '-v', voice.synth!, '-w', input, String(digit)], { env: s.env });
    } else {
      const s = synths.flite!;
      input = path.join(tmp, 'tts.wav');
      await runTool(s.bin, ['-voice', voice.synth!, '-t', String(digit), '-o', input], { env: s.env });
    }
    const split = TEMPOS.map((_, k) => `[s${k}]`).join('');
    const chains = TEMPOS.map((t, k) => `[s${k}]atempo=${t}[o${k}]`).join(';');
    const graph = `[0:a]aresample=${SPEECH_RATE},aformat=sample_fmts=flt:channel_layouts=mono,asplit=${TEMPOS.length}${split};${chains}`;
    const args = ['-v', 'error', '-nostdin', '-y', ...format, '-i', input, '-filter_complex', graph];
    TEMPOS.forEach((_, k) => args.push('-map', `[o${k}]`, '-f', 'f32le', '-ar', String(SPEECH_RATE), '-ac', '1', path.join(tmp, `${k}.f32`)));
    await runTool(ffmpeg, args);
    for (let k = 0; k < TEMPOS.length; k++) {
      const raw = await readFile(path.join(tmp, `${k}.f32`));
      const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
      const y = trimAndNormalise(x);
      if (y.length < SPEECH_RATE * 0.1) throw new UserError(`speech ${voice.id} digit ${digit}: rendered audio is silent or too short`);
      const dest = utterancePath(dir, voice, digit, k);
      await writeFile(`${dest}.part`, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
      await rename(`${dest}.part`, dest);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface SpeechBankOptions extends DebianPackageOptions {
  voices?: VoiceSelection;
  /** Concurrent ffmpeg/synth processes while rendering; default 2. */
  concurrency?: number;
  /** Progress lines go here (e.g. console.error); default silent. */
  log?: (line: string) => void;
}

/**
 * Fetches the packages and renders whatever utterances the cache lacks, then loads them all
 * (20 voices x 10 digits x 5 tempos, about 8 MB of PCM).
 * @throws DebianPackageError when a package cannot be fetched; ToolError if rendering fails.
 */
export async function loadSpeechBank(opts: SpeechBankOptions = {}): Promise<SpeechBank> {
  const voices = selectVoices(opts.voices ?? 'all');
  const dir = bankDir(opts.env);
  const used = new Map<string, string>();
  const marker = (v: Voice): string => path.join(dir, v.id, '.done');
  const missing = voices.filter((v) => !existsSync(marker(v)));
  const sources = new Map<string, string>();
  // Package versions are recorded even when everything is cached, for provenance.
  for (const v of voices.filter((x) => x.kind === 'recorded')) {
    const pkg = await fetchDebianPackage(v.package, opts);
    used.set(pkg.name, pkg.version);
    sources.set(v.id, path.join(pkg.root, v.dir as string));
  }
  const synths = await prepareSynths(missing, opts, used);
  for (const v of voices.filter((x) => x.kind !== 'recorded' && !missing.includes(x))) {
    const info = JSON.parse(await readFile(marker(v), 'utf8')) as { packages: Record<string, string> };
    for (const [name, version] of Object.entries(info.packages)) used.set(name, version);
  }
  if (missing.length > 0) {
    opts.log?.(`speech bank: rendering ${missing.length} voice(s) x 10 digits into ${dir}`);
    for (const v of missing) await mkdir(path.join(dir, v.id), { recursive: true });
    const jobs = missing.flatMap((v) => Array.from({ length: 10 }, (_, d) => ({ v, d })));
    await runPool(jobs.length, opts.concurrency ?? 2, (i) => renderUtterance(jobs[i].v, jobs[i].d, dir, sources.get(jobs[i].v.id), synths));
    for (const v of missing) {
      const pkgs = v.kind === 'recorded' ? [v.package] : SYNTH_PACKAGES[v.kind];
      const packages = Object.fromEntries(pkgs.filter((p) => used.has(p)).map((p) => [p, used.get(p) as string]));
      await writeFile(marker(v), JSON.stringify({ voice: v.id, packages }) + '\n');
    }
  }
  const data: Float32Array[][][] = [];
  for (const v of voices) {
    const perDigit: Float32Array[][] = [];
    for (let d = 0; d < 10; d++) {
      const perTempo: Float32Array[] = [];
      for (let k = 0; k < TEMPOS.length; k++) {
        const raw = await readFile(utterancePath(dir, v, d, k));
        perTempo.push(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)));
      }
      perDigit.push(perTempo);
    }
    data.push(perDigit);
  }
  const packages = [...used].map(([name, version]) => ({ name, version })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { voices, get: (v, d, t) => data[v][d][t], packages };
}
