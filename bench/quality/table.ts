/**
 * The one quality table (issue 12): reads the JSON lines the quality benches printed (a file, or
 * stdin) and prints a Markdown table, NMI everywhere (accuracy in brackets for the answers).
 *
 *   tsx bench/quality/table.ts .cache/quality/results.jsonl
 */
import { readFileSync } from 'node:fs';

interface Score {
  nmi: number;
  accuracy?: number;
  best_head_nmi?: number;
  minutes?: number;
  seconds?: number;
}

const text = readFileSync(process.argv[2] ?? 0, 'utf8');
const lines = text
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const f3 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(3));
const answer = (s: Score) =>
  `${f3(s.nmi)} (${f3(s.accuracy)})${s.best_head_nmi !== undefined ? `, best head ${f3(s.best_head_nmi)}` : ''}${s.minutes !== undefined ? `; ${s.minutes} min` : ''}`;

const rows: string[] = [
  '| data | k-means: pixels / audio stats / both | SeLaVi fused: chosen head (accuracy), best head; training time | video only | audio only | fused − best single | minutes (whole bench) |',
  '|---|---|---|---|---|---|---|',
];
for (const r of lines) {
  if (r.bench === 'quality-av-digits') {
    const k = (name: string) => f3((r[name] as Score | undefined)?.nmi);
    const fused = r.selavi_fused as Score;
    rows.push(
      `| AV digits, ${r.level} level, ${r.clips} clips, ${r.epochs} epochs${r.flags ? `, \`${r.flags}\`` : ''}, seed ${r.seed} | ${k('kmeans_pixels')} / ${k('kmeans_logmel_stats')} / ${k('kmeans_both')} | ${answer(fused)} | ${answer(r.selavi_video_only as Score)} | ${answer(r.selavi_audio_only as Score)} | ${f3(r.fused_minus_best_single_nmi as number)} | ${r.minutes} |`,
    );
  } else if (r.bench === 'quality-fashion-mnist') {
    const sela = r.sela as Score;
    rows.push(`| Fashion-MNIST test, ${r.images} images, ${r.epochs} epochs (SeLa, images only) | ${f3((r.kmeans_pixels as Score).nmi)} (pixels) | ${answer(sela)} | – | – | – | ${r.minutes ?? ((sela.seconds ?? 0) / 60).toFixed(1)} |`);
  }
}
console.log(rows.join('\n'));
