import { describe, expect, it } from 'vitest';
import { clusterCards } from '../../src/report/cluster-cards.js';

const rows = (clusters: number[], conf?: number[]) => clusters.map((cluster, i) => ({ cluster, confidence: conf?.[i] ?? 0.5 }));

describe('clusterCards', () => {
  it('one card per cluster in cluster order, members most confident first', () => {
    const cards = clusterCards(rows([2, 0, 2, 2], [0.1, 0.9, 0.7, 0.4]));
    expect(cards.map((c) => [c.cluster, c.size])).toEqual([[0, 1], [2, 3]]);
    expect(cards[1].members).toEqual([2, 3, 0]);
    expect(cards[1].meanConfidence).toBeCloseTo(0.4, 6);
    expect(cards[1].sampled).toBe(false);
  });

  it('majority label and purity count only members whose label is known', () => {
    const [card] = clusterCards(rows([0, 0, 0, 0, 0]), { truth: ['a', 'a', 'b', null, 'a'] });
    expect(card.majority).toEqual({ label: 'a', count: 3 });
    expect(card.purity).toBeCloseTo(3 / 4, 9);
  });

  it('a cluster larger than perCard shows its most confident half and a seeded random half', () => {
    const n = 1000;
    const conf = Array.from({ length: n }, (_, i) => i / n);
    const [a] = clusterCards(rows(new Array(n).fill(0), conf), {}, { perCard: 10 });
    const [b] = clusterCards(rows(new Array(n).fill(0), conf), {}, { perCard: 10 });
    expect(a.sampled).toBe(true);
    expect(a.members).toHaveLength(10);
    expect(a.members.slice(0, 5)).toEqual([999, 998, 997, 996, 995]);
    expect(new Set(a.members).size).toBe(10);
    expect(a.members.slice(5).every((i) => i < 995)).toBe(true);
    expect(b.members).toEqual(a.members);
    const [c] = clusterCards(rows(new Array(n).fill(0), conf), {}, { perCard: 10, seed: 1 });
    expect(c.members.slice(5)).not.toEqual(a.members.slice(5));
  });

  it('names the nuisance values a cluster holds more often than the collection, by excess share', () => {
    const clusters = [0, 0, 0, 0, 1, 1, 1, 1];
    const nuisance = {
      noise: ['pink', 'pink', 'pink', 'white', 'white', 'white', 'white', 'pink'],
      voice: ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'], // the same in both clusters: not over-represented
    };
    const [c0, c1] = clusterCards(rows(clusters), { nuisance });
    expect(c0.nuisance).toEqual([{ attribute: 'noise', value: 'pink', share: 0.75, base: 0.5 }]);
    expect(c1.nuisance?.[0]).toMatchObject({ attribute: 'noise', value: 'white', share: 0.75 });
  });
});
