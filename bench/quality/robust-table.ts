/**
 * The robustness table (issue 21): reads the JSON lines `robust.bench.ts` printed (a file, or
 * stdin) and prints one Markdown row per (level, variation): mean ± sd over seeds of the defaults
 * (`--augment-strength auto`), each fixed recipe and the k-means baselines, how often auto picked
 * the recipe truth would have picked, each modality trained alone with the defaults' recipe and
 * how far the fused defaults are above the better of the two, and the minutes. Lines of one cell
 * (level, variation, seed) are merged, later fields over earlier: `ROBUST_RUNS=single` adds to a cell.
 *
 *   tsx bench/quality/robust-table.ts .cache/quality/robust.jsonl
 */
import { readFileSync } from 'node:fs';

interface Score {
  nmi: number;
  accuracy: number;
  minutes: number;
  video_nmi?: number;
  audio_nmi?: number;
  chosen?: string;
}
interface Cell {
  bench: string;
  level: string;
  variation: string;
  held_out: boolean;
  seed: number;
  clips: number;
  epochs: number | string;
  kmeans_pixels: Score;
  kmeans_logmel_stats: Score;
  kmeans_both: Score;
  recipes: Record<string, Score>;
  defaults_auto: Score;
  single_modality?: { recipe: string; video: Score; audio: Score };
  best_recipe_by_truth: string;
  auto_picked_best: boolean;
  minutes: number;
}

const lines = readFileSync(process.argv[2] ?? 0, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Cell)
  .filter((c) => c.bench === 'quality-robust');
const merged = new Map<string, Cell>();
for (const c of lines) {
  const key = `${c.level}|${c.variation}|${c.seed}`;
  const prev = merged.get(key);
  merged.set(key, { ...prev, ...c, recipes: { ...prev?.recipes, ...c.recipes }, minutes: (prev?.minutes ?? 0) + c.minutes });
}
const cells = [...merged.values()].filter((c) => c.defaults_auto);

/** `0.812` for one value, `0.812 ± 0.031` for several. */
function meanSd(xs: number[], digits = 3): string {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return m.toFixed(digits);
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return `${m.toFixed(digits)} ± ${sd.toFixed(digits)}`;
}

const recipeNames = [...new Set(cells.flatMap((c) => Object.keys(c.recipes)))];
const groups = new Map<string, Cell[]>();
for (const c of cells) {
  const key = `${c.level}|${c.variation}`;
  groups.set(key, [...(groups.get(key) ?? []), c]);
}
const rows = [
  `| level, variation | seeds | clips | defaults (auto): NMI | its video / audio alone | trained alone: video / audio | fused − best alone | auto's pick / truth's pick | ${recipeNames.map((r) => `\`${r}\``).join(' | ')} | k-means: pixels / audio / both | minutes |`,
  `|---|---|---|---|---|---|---|---|${recipeNames.map(() => '---|').join('')}---|---|`,
];
for (const group of groups.values()) {
  const c0 = group[0];
  // Truth's pick exists only where the cell ran fixed recipes (ROBUST_RUNS with `recipes`).
  const judged = group.every((c) => c.best_recipe_by_truth !== undefined);
  const picks = group.map((c) => `${c.defaults_auto.chosen ?? '?'} / ${c.best_recipe_by_truth ?? '–'}`).join('; ');
  const hits = group.filter((c) => c.auto_picked_best).length;
  rows.push(
    [
      `| ${c0.level}, ${c0.variation}${c0.held_out ? ' (held out)' : ''}`,
      group.map((c) => c.seed).join(', '),
      c0.clips,
      meanSd(group.map((c) => c.defaults_auto.nmi)),
      `${meanSd(group.map((c) => c.defaults_auto.video_nmi ?? NaN))} / ${meanSd(group.map((c) => c.defaults_auto.audio_nmi ?? NaN))}`,
      group.every((c) => c.single_modality) ? `${meanSd(group.map((c) => c.single_modality!.video.nmi))} / ${meanSd(group.map((c) => c.single_modality!.audio.nmi))}` : '–',
      group.every((c) => c.single_modality) ? meanSd(group.map((c) => c.defaults_auto.nmi - Math.max(c.single_modality!.video.nmi, c.single_modality!.audio.nmi))) : '–',
      judged ? `${picks} (${hits}/${group.length})` : picks,
      ...recipeNames.map((r) => (group.every((c) => c.recipes[r]) ? meanSd(group.map((c) => c.recipes[r].nmi)) : '–')),
      `${meanSd(group.map((c) => c.kmeans_pixels.nmi))} / ${meanSd(group.map((c) => c.kmeans_logmel_stats.nmi))} / ${meanSd(group.map((c) => c.kmeans_both.nmi))}`,
      `${meanSd(group.map((c) => c.minutes), 1)} |`,
    ].join(' | '),
  );
}
console.log(rows.join('\n'));
