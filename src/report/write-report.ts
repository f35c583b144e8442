/**
 * `selavi report --run RUN`: the HTML gallery of a run's clusters (see render-page.ts for the
 * page, media.ts for its files), and the hook every `cluster`, `sela` and `assign` run calls at
 * its end ({@link reportAfterRun}).
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { readIdxImages } from '../data/idx.js';
import { HEAD_RULE_TEXT, type HeadRule } from '../train/choose-head.js';
import { probeMedia } from '../media/probe.js';
import { nuisanceValuesForItems, truthForItems } from '../train/reference-labels.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { clusterCards, type ClusterCard } from './cluster-cards.js';
import { makeClipMedia, writeImagePng, type ClipMediaRequest } from './media.js';
import { lineChart, type Series } from './plots.js';
import { sayFor, type ProgressMode } from './progress.js';
import { readRun, type LogEntry, type RunFiles } from './read-run.js';
import { renderPage, type PageCard, type PageMember, type PageModel } from './render-page.js';
import { writeRunSources, type ItemSource } from './run-sources.js';

/** Options of {@link writeReport}, with their defaults. */
export interface ReportOptions {
  /** A run folder (holding clusters.csv) or a clusters CSV. */
  run: string;
  /** The page (default: RUN/report.html; beside another CSV, `<stem>.report.html`). */
  out?: string;
  /** Reference labels; default: those the run recorded (`clusters.sources.json`). */
  truth?: string;
  truthFormat?: string;
  nuisance?: string;
  /** Members kept on a card; a larger cluster shows a sample of this many (default 48). */
  perCard?: number;
  /** Members rendered per card before "show more" (default 24). */
  cap?: number;
  /** ffmpeg processes at once (default: cores). */
  concurrency?: number;
  progress?: ProgressMode;
  say?: (line: string) => void;
}

/** What {@link writeReport} made. */
export interface ReportSummary {
  html: string;
  media: string;
  items: number;
  clusters: number;
  /** Members on the page (all cards). */
  members: number;
  /** Size of the HTML file, bytes. */
  bytes: number;
  /** Members without a thumbnail (ffmpeg failed on them; reasons in the page's notes). */
  missing: number;
  seconds: number;
}

/** The page and media folder for a clusters CSV. */
export function reportPathsOf(csv: string, out?: string): { html: string; media: string } {
  const stem = path.basename(csv, path.extname(csv));
  const html = path.resolve(out ?? path.join(path.dirname(csv), stem === 'clusters' ? 'report.html' : `${stem}.report.html`));
  return { html, media: path.join(path.dirname(html), `${path.basename(html, '.html')}-media`) };
}

/** A relative URL from folder `from` to `file`, split into an encoded folder prefix and the file name. */
function relativeUrl(from: string, file: string): [string, string] {
  const rel = path.relative(from, file).split(path.sep);
  const base = rel.pop()!;
  return [rel.map(encodeURIComponent).map((s) => `${s}/`).join(''), base];
}

const round = (x: number, d = 3) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

/** Colours of heads in the charts (the answer's is drawn bold). */
const PALETTE = ['#2f6fb0', '#c0392b', '#27864a', '#8e44ad', '#d35400', '#16a085', '#7f8c8d'];

function charts(log: readonly LogEntry[], head: number | undefined): string[] {
  if (log.length === 0) return [];
  const xLabels = log.map((e) => `step ${e.step}`);
  const perHead = (pick: (e: LogEntry) => number[] | undefined, name: string): Series[] => {
    const heads = Math.max(0, ...log.map((e) => pick(e)?.length ?? 0));
    return Array.from({ length: heads }, (_, h) => ({
      name: `${name}${h}`,
      values: log.map((e) => pick(e)?.[h] ?? null),
      color: PALETTE[h % PALETTE.length],
      bold: h === (head ?? 0),
    }));
  };
  return [
    lineChart([{ name: 'loss', values: log.map((e) => e.loss), color: '#333', bold: true }], { title: 'training loss per label update', xLabels }),
    lineChart(perHead((e) => e.changed, 'head'), { title: 'labels changed (fraction)', yMin: 0, xLabels }),
    lineChart(perHead((e) => e.nmi_truth, 'head'), { title: 'NMI vs truth', yMin: 0, xLabels }),
  ].filter(Boolean);
}

/** Per row: where its file is, and its thumbnail and audio once made. */
interface ItemFile {
  file: string;
  /** File name in the media folder ('' for an image shown as itself). */
  thumb: string;
  /** Audio file name in the media folder. */
  audio?: string;
}

/** Makes the thumbnails and audio of the members on `cards`; returns per row index what was made. */
async function memberMedia(files: RunFiles, cards: readonly ClusterCard[], items: ItemSource, mediaDir: string, opts: ReportOptions, notes: string[]): Promise<Map<number, ItemFile>> {
  const shown = cards.flatMap((c) => c.members);
  const out = new Map<number, ItemFile>();
  if (items.kind === 'images') {
    for (const i of shown) out.set(i, { file: path.resolve(items.path, files.rows[i].name), thumb: '' });
    return out;
  }
  if (items.kind === 'idx') {
    const set = await readIdxImages(items.path);
    for (const i of shown) {
      const k = Number(files.rows[i].name.replace(/^idx:/, ''));
      if (!Number.isInteger(k) || k < 0 || k >= set.n) continue;
      const png = writeImagePng(set.pixels, set.h, set.w, set.c, k, mediaDir);
      out.set(i, { file: path.join(mediaDir, png), thumb: png });
    }
    return out;
  }
  // Videos: the span the run used (its cache), else the middle of the video (probed). One
  // request per file, however many rows name it.
  const requests: ClipMediaRequest[] = [];
  const requestOf = new Map<string, number>();
  const rowsOf: number[][] = [];
  for (const i of shown) {
    const file = files.resolve(files.rows[i].name);
    const seen = requestOf.get(file);
    if (seen !== undefined) {
      if (seen >= 0) rowsOf[seen].push(i);
      continue;
    }
    const facts = { ...files.clips.get(file) };
    if (facts.note !== undefined) notes.push(`${file}: ${facts.note}`);
    if (facts.start === undefined || facts.hasAudio === undefined) {
      try {
        const info = await probeMedia(file);
        facts.duration ??= info.duration;
        facts.hasAudio ??= info.audio !== undefined;
      } catch (err) {
        notes.push((err as Error).message);
        requestOf.set(file, -1);
        continue;
      }
    }
    const seconds = facts.seconds ?? Math.min(2, Number.isFinite(facts.duration) ? facts.duration! : 2);
    const start = facts.start ?? Math.max(0, ((facts.duration ?? seconds) - seconds) / 2);
    requestOf.set(file, requests.length);
    requests.push({ file, start, seconds, audio: facts.hasAudio ?? false });
    rowsOf.push([i]);
  }
  const made = await makeClipMedia(requests, mediaDir, { concurrency: opts.concurrency, progress: opts.progress });
  made.forEach((m, j) => {
    if (m.error) notes.push(`${requests[j].file}: ${m.error}`);
    if (m.strip) for (const i of rowsOf[j]) out.set(i, { file: requests[j].file, thumb: m.strip, ...(m.audio && { audio: m.audio }) });
  });
  return out;
}

/** Removes media files of earlier reports that this page no longer uses. */
function pruneMedia(dir: string, used: Set<string>): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const ours = /^[0-9a-f]{16}(\.part)?\.(jpg|mp3|wav)$/.test(name) || /^idx-\d+\.png$/.test(name);
    if (ours && !used.has(name)) rmSync(path.join(dir, name), { force: true });
  }
}

/** Makes the report of `opts.run`: the page and its media folder. */
export async function writeReport(opts: ReportOptions): Promise<ReportSummary> {
  const t0 = performance.now();
  const say = opts.say ?? sayFor(opts.progress ?? 'auto');
  const files = readRun(opts.run);
  const { html, media } = reportPathsOf(files.csv, opts.out);
  const names = files.rows.map((r) => r.name);
  const sources = files.sources;
  const items: ItemSource = sources?.items ?? (names[0]?.startsWith('idx:') ? { kind: 'idx', path: '' } : { kind: 'videos', path: sources?.cwd ?? process.cwd() });
  const notes: string[] = [];

  // ===== reference labels (reporting only) =====
  let truth: (string | null)[] | undefined;
  const truthFile = opts.truth ?? sources?.truth;
  if (truthFile) {
    try {
      const t = await truthForItems(truthFile, names, opts.truthFormat ?? sources?.truthFormat ?? 'auto');
      truth = Array.from(t.truth, (c) => (c < 0 ? null : t.classes[c]));
    } catch (err) {
      notes.push(`truth not shown: ${(err as Error).message}`);
    }
  } else if (items.kind === 'idx' && items.labels) {
    const set = await readIdxImages(items.path, items.labels);
    truth = names.map((n) => {
      const k = Number(n.replace(/^idx:/, ''));
      return set.truth && k < set.n ? String(set.truth[k]) : null;
    });
  }
  let nuisance: Record<string, (string | null)[]> | undefined;
  const nuisanceFile = opts.nuisance ?? sources?.nuisance;
  if (nuisanceFile) {
    try {
      nuisance = nuisanceValuesForItems(nuisanceFile, names);
    } catch (err) {
      notes.push(`nuisance attributes not shown: ${(err as Error).message}`);
    }
  }

  // ===== cards and their media =====
  const cards = clusterCards(files.rows, { truth, nuisance }, { perCard: opts.perCard });
  if (items.kind === 'idx' && !items.path) throw new Error(`${files.csv}: rows name IDX images, but no sources record says which file (rerun, or give the run's clusters.sources.json)`);
  const made = await memberMedia(files, cards, items, media, opts, notes);
  const labels = truth ? [...new Set(truth.filter((v): v is string => v !== null))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) : [];
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const htmlDir = path.dirname(html);
  const dirs: string[] = [];
  const dirIndex = new Map<string, number>();
  let missing = 0;
  const pageCards: PageCard[] = cards.map((card) => {
    const m: PageMember[] = [];
    for (const i of card.members) {
      const f = made.get(i);
      if (!f) missing++;
      const [dir, base] = relativeUrl(htmlDir, f?.file ?? files.resolve(files.rows[i].name));
      if (!dirIndex.has(dir)) (dirIndex.set(dir, dirs.length), dirs.push(dir));
      const conf = files.rows[i].confidence;
      m.push([dirIndex.get(dir)!, base, f?.thumb ?? '', f?.audio ? 1 : 0, Number.isFinite(conf) ? round(conf, 3) : null, truth?.[i] != null ? labelIndex.get(truth[i]!)! : -1]);
    }
    return {
      c: card.cluster,
      n: card.size,
      conf: round(card.meanConfidence),
      maj: card.majority ? labelIndex.get(card.majority.label)! : -1,
      majN: card.majority?.count ?? 0,
      pur: card.purity === undefined ? null : round(card.purity),
      nui: (card.nuisance ?? []).map((s) => [s.attribute, s.value, round(s.share)!, round(s.base)!]),
      sampled: card.sampled,
      m,
    };
  });

  // ===== header =====
  const shortPath = (p: string) => {
    const rel = path.relative(process.cwd(), p);
    return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  };
  const runName = shortPath(files.dir ?? files.csv);
  const metric = (k: string) => (typeof files.metrics?.[k] === 'number' ? (files.metrics[k] as number) : undefined);
  const figures: [string, string][] = [
    [items.kind === 'videos' ? 'clips' : 'images', files.rows.length.toLocaleString('en')],
    ['clusters', String(cards.length)],
  ];
  for (const [k, label] of [['nmi', 'NMI'], ['ami', 'AMI'], ['ari', 'ARI'], ['accuracy', 'accuracy'], ['purity', 'purity']] as const) {
    const v = metric(k);
    if (v !== undefined) figures.push([`${label} vs truth`, v.toFixed(3)]);
  }
  const confs = files.rows.map((r) => r.confidence).filter(Number.isFinite);
  if (confs.length) figures.push(['mean confidence', (confs.reduce((s, c) => s + c, 0) / confs.length).toFixed(3)]);
  if (files.head !== undefined) figures.push(['answering head', String(files.head)]);
  const settings: [string, string][] = Object.entries(files.config ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]);
  if (files.released) settings.push(['released model', String(files.released.weights ?? files.released.file ?? '')]);
  if (truthFile) settings.push(['truth', truthFile]);
  if (nuisanceFile) settings.push(['nuisance', nuisanceFile]);
  const last = files.log[files.log.length - 1];
  const nuisanceNmi = Object.entries(last?.nmi_nuisance ?? {}).sort((a, b) => b[1] - a[1]);
  const others = files.answerHeads?.filter((h) => h !== files.head) ?? [];
  const summed = others.length ? `, with head${others.length > 1 ? 's' : ''} ${others.join(', ')} matched onto it and summed` : '';
  const headLine = files.head === undefined ? [] : [`answer: head ${files.head}${files.headRule ? ` (${HEAD_RULE_TEXT[files.headRule as HeadRule] ?? files.headRule})` : ''}${summed}`];
  const model: PageModel = {
    title: `selavi report: ${runName}`,
    subtitle: [
      `${files.rows.length.toLocaleString('en')} ${items.kind === 'videos' ? 'clips' : 'images'} in ${cards.length} clusters from ${shortPath(files.csv)}${files.log.length ? `, ${files.log.length} label updates` : ''}`,
      ...headLine,
      `made ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; a click on a member opens its file${items.kind === 'videos' ? ', ▶ plays its first seconds of audio' : ''}`,
    ],
    kind: items.kind,
    figures,
    settings,
    charts: charts(files.log, files.head),
    nuisanceNmi,
    labels,
    dirs,
    media: relativeUrl(htmlDir, path.join(media, 'x'))[0].replace(/\/$/, ''),
    // Whatever the media maker chose: mp3, or wav where this ffmpeg has no MP3 encoder.
    audioExt: path.extname([...made.values()].find((f) => f.audio)?.audio ?? '.mp3').slice(1),
    cap: opts.cap ?? 24,
    notes: notes.slice(0, 50).concat(notes.length > 50 ? [`... and ${notes.length - 50} more`] : []),
    cards: pageCards,
  };
  const page = renderPage(model);
  writeFileAtomic(html, page);
  pruneMedia(media, new Set([...made.values()].flatMap((f) => [f.thumb, f.audio ?? ''])));
  if (notes.length) say(`report: ${notes.length} note(s), e.g. ${notes[0]}`);
  return {
    html,
    media,
    items: files.rows.length,
    clusters: cards.length,
    members: pageCards.reduce((s, c) => s + c.m.length, 0),
    bytes: statSync(html).size,
    missing,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
}

/** What a run tells the report hook (the run's own options carry these fields). */
export interface RunReportHook {
  truth?: string;
  truthFormat?: string;
  nuisance?: string;
  /** What the CSV's rows are (default: video paths relative to the cwd). */
  items?: ItemSource;
  progress?: ProgressMode;
  /** false: record the sources only, no page (`--no-report`). */
  report?: boolean;
  say?: (line: string) => void;
}

/**
 * The end of every `cluster`, `sela` and `assign` run: records where the CSV's items and
 * reference labels are (`<stem>.sources.json`), then writes the report beside the CSV. A report
 * that fails is one line on stderr, never a failed run: the clusters are written already.
 * Returns the page's path, or undefined.
 */
export async function reportAfterRun(csv: string, run: RunReportHook): Promise<string | undefined> {
  const say = run.say ?? sayFor(run.progress ?? 'auto');
  try {
    writeRunSources(csv, { cwd: process.cwd(), items: run.items, truth: run.truth, truthFormat: run.truthFormat, nuisance: run.nuisance });
    if (run.report === false) return undefined;
    const r = await writeReport({ run: csv, progress: run.progress, say });
    say(`report: ${path.relative(process.cwd(), r.html) || r.html} (${r.clusters} clusters, ${r.members} members shown, ${(r.bytes / 1024).toFixed(0)} KB, ${r.seconds} s)`);
    return r.html;
  } catch (err) {
    say(`report: not written: ${(err as Error).message}`);
    return undefined;
  }
}
