import { describe, expect, it } from 'vitest';
import { parseClusters, readClusters } from '../../src/eval/read-clusters.js';
import { inputError } from './input-error.js';
import { fixture } from './paths.js';

describe('readClusters', () => {
  it('reads path and cluster whatever the other columns, in file order', async () => {
    const t = await readClusters(fixture('clusters-vggsound.csv'));
    expect(t.paths[0]).toBe('videos/glLQrEijrKg_000300.mp4');
    expect(Array.from(t.clusters)).toEqual([0, 1, 1, 2, 2]);
  });

  it('finds the columns in any order and case, with CRLF, a BOM and quoted fields', () => {
    const t = parseClusters('\ufeffConfidence,Cluster,PATH\r\n0.5,-3,"a, b.mp4"\r\n\r\n0.1,12,c.mp4\r\n', 'c.csv');
    expect(t.paths).toEqual(['a, b.mp4', 'c.mp4']);
    expect(Array.from(t.clusters)).toEqual([-3, 12]);
  });

  it('throws when the file is empty', async () => {
    await expect(readClusters(fixture('empty.csv'))).rejects.toThrow(/empty\.csv: empty file/);
  });

  it('throws when the cluster column is missing', async () => {
    await expect(readClusters(fixture('clusters-no-cluster.csv'))).rejects.toThrow(
      /clusters-no-cluster\.csv: no `cluster` column in the header \(found: path, confidence\)/,
    );
  });

  it('throws when the path column is missing', async () => {
    await expect(readClusters(fixture('clusters-no-path.csv'))).rejects.toThrow(/clusters-no-path\.csv: no `path` column/);
  });

  it('throws when there are no rows after the header', () => {
    expect(inputError(() => parseClusters('path,cluster\n', 'c.csv')).message).toBe('c.csv: no rows after the header');
  });

  it('throws when a cluster is not an integer, naming the line', () => {
    expect(inputError(() => parseClusters('path,cluster\na.mp4,1\nb.mp4,1.5\n', 'c.csv')).message).toBe(
      'c.csv: line 3: cluster "1.5" is not an integer',
    );
  });

  it('throws when a path appears twice', () => {
    expect(inputError(() => parseClusters('path,cluster\na.mp4,1\na.mp4,2\n', 'c.csv')).message).toBe(
      'c.csv: line 3: path "a.mp4" already on line 2',
    );
  });

  it('throws when the CSV is malformed', () => {
    expect(inputError(() => parseClusters('path,cluster\n"a.mp4,1\n', 'c.csv')).message).toMatch(/^c\.csv: not valid CSV: /);
  });

  it('throws when the file does not exist', async () => {
    await expect(readClusters(fixture('no-such.csv'))).rejects.toThrow(/no-such\.csv: no such file$/);
  });
});
