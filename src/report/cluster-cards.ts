/**
 * What each cluster's card shows, computed from the rows alone (pure): its size and mean
 * confidence, the members on the card, and, when reference labels are known, its majority
 * label and purity, and the nuisance values it holds more often than the whole collection does.
 *
 * A card holds every member of a cluster up to `perCard`; a larger cluster shows a sample: the
 * `top` most confident members, then members drawn at random from the rest, so both what the
 * cluster is sure of and what it typically holds are seen.
 */
import { createRng } from '../util/rng.js';

/** Options of {@link clusterCards}, with their defaults. */
export interface CardOptions {
  /** Members on a card; a larger cluster shows a sample of this many (default 48). */
  perCard?: number;
  /** Of a sample, how many are the most confident (default half of `perCard`; the rest are random). */
  top?: number;
  /** Seed of the random part of samples (default 0: the same page for the same run). */
  seed?: number;
  /** Nuisance attributes listed per card (default 3). */
  nuisanceTop?: number;
}

/** A nuisance value that a cluster holds more often than the whole collection does. */
export interface NuisanceShare {
  attribute: string;
  value: string;
  /** Share of the cluster's members with this value, [0, 1]. */
  share: number;
  /** Share of all items with this value, [0, 1]. */
  base: number;
}

/** One cluster's card. */
export interface ClusterCard {
  cluster: number;
  size: number;
  /** Mean confidence of all members (NaN when the CSV has none). */
  meanConfidence: number;
  /** Row indices of the members on the card, most confident first. */
  members: number[];
  /** The card shows a sample (the cluster is larger than `perCard`). */
  sampled: boolean;
  /** Most frequent known label and how many members carry it (when truth is known). */
  majority?: { label: string; count: number };
  /** majority count / members with a known label, [0, 1]. */
  purity?: number;
  /** Top nuisance values by share above their base share (when nuisance attributes are known). */
  nuisance?: NuisanceShare[];
}

/** The rows' fields that cards need. */
export interface CardRow {
  cluster: number;
  confidence: number;
}

function mostFrequent(values: Iterable<string>): { value: string; count: number; known: number } | undefined {
  const counts = new Map<string, number>();
  let known = 0;
  for (const v of values) {
    counts.set(v, (counts.get(v) ?? 0) + 1);
    known++;
  }
  let best: { value: string; count: number } | undefined;
  for (const [value, count] of counts) if (!best || count > best.count) best = { value, count };
  return best && { ...best, known };
}

/** Cards of every cluster, in cluster order; `truth[i]` / `nuisance[attr][i]` null where unknown. */
export function clusterCards(
  rows: readonly CardRow[],
  labels: { truth?: readonly (string | null)[]; nuisance?: Readonly<Record<string, readonly (string | null)[]>> } = {},
  { perCard = 48, top = Math.ceil(perCard / 2), seed = 0, nuisanceTop = 3 }: CardOptions = {},
): ClusterCard[] {
  const byCluster = new Map<number, number[]>();
  rows.forEach((r, i) => {
    let list = byCluster.get(r.cluster);
    if (!list) byCluster.set(r.cluster, (list = []));
    list.push(i);
  });
  // Base shares of every nuisance value over the whole collection.
  const base = new Map<string, Map<string, number>>();
  for (const [attr, values] of Object.entries(labels.nuisance ?? {})) {
    const m = new Map<string, number>();
    let known = 0;
    for (const v of values) if (v !== null) (m.set(v, (m.get(v) ?? 0) + 1), known++);
    for (const [v, c] of m) m.set(v, c / Math.max(1, known));
    base.set(attr, m);
  }
  const rng = createRng(seed);
  const conf = (i: number) => (Number.isNaN(rows[i].confidence) ? -1 : rows[i].confidence);
  return [...byCluster.keys()].sort((a, b) => a - b).map((cluster) => {
    const all = byCluster.get(cluster)!;
    const byConfidence = [...all].sort((a, b) => conf(b) - conf(a) || a - b);
    let members = byConfidence;
    const sampled = all.length > perCard;
    if (sampled) {
      // 1) the most confident; 2) a seeded random draw (partial Fisher-Yates) from the rest.
      const rest = byConfidence.slice(top);
      const want = Math.min(rest.length, perCard - top);
      for (let j = 0; j < want; j++) {
        const k = j + rng.int(rest.length - j);
        [rest[j], rest[k]] = [rest[k], rest[j]];
      }
      members = [...byConfidence.slice(0, top), ...rest.slice(0, want).sort((a, b) => conf(b) - conf(a) || a - b)];
    }
    const confidences = all.map((i) => rows[i].confidence);
    const card: ClusterCard = {
      cluster,
      size: all.length,
      meanConfidence: confidences.reduce((s, c) => s + c, 0) / all.length,
      members,
      sampled,
    };
    if (labels.truth) {
      const best = mostFrequent(all.map((i) => labels.truth![i]).filter((v): v is string => v !== null));
      if (best) {
        card.majority = { label: best.value, count: best.count };
        card.purity = best.count / best.known;
      }
    }
    if (labels.nuisance) {
      const shares: NuisanceShare[] = [];
      for (const [attribute, values] of Object.entries(labels.nuisance)) {
        // The value this cluster over-represents most (share minus base share), not merely its most frequent.
        const counts = new Map<string, number>();
        let known = 0;
        for (const i of all) if (values[i] !== null) (counts.set(values[i]!, (counts.get(values[i]!) ?? 0) + 1), known++);
        let best: NuisanceShare | undefined;
        for (const [value, count] of counts) {
          const s = { attribute, value, share: count / known, base: base.get(attribute)?.get(value) ?? 0 };
          if (!best || s.share - s.base > best.share - best.base) best = s;
        }
        if (best) shares.push(best);
      }
      card.nuisance = shares
        .filter((s) => s.share > s.base)
        .sort((a, b) => b.share - b.base - (a.share - a.base) || a.attribute.localeCompare(b.attribute))
        .slice(0, nuisanceTop);
    }
    return card;
  });
}
