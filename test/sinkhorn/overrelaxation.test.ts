import { describe, expect, it } from 'vitest';
import { BACK_OFF, FIRST_WINDOW, MAX_OMEGA, OmegaController, RELAX_WINDOW, optimalOmega, plainRate, relaxedScaling } from '../../src/sinkhorn/overrelaxation.js';

/** The larger root λ of (λ + ω − 1)² = λω²ρ: the over-relaxed rate for plain rate ρ, ω below the best. */
function relaxedRate(rho: number, w: number): number {
  // λ² + (2(ω−1) − ω²ρ)λ + (ω−1)² = 0
  const bq = 2 * (w - 1) - w * w * rho;
  return (-bq + Math.sqrt(bq * bq - 4 * (w - 1) ** 2)) / 2;
}

describe('over-relaxation', () => {
  it('moves a scaling to before^(1−ω) · target^ω', () => {
    expect(relaxedScaling(2, 5, 1)).toBe(5); // plain Sinkhorn: the target itself
    expect(relaxedScaling(1, 4, 1.5)).toBeCloseTo(8, 12); // 4^1.5
    expect(relaxedScaling(4, 1, 1.5)).toBeCloseTo(0.5, 12); // 4^-0.5 · 1^1.5
    expect(relaxedScaling(3, 3, 1.8)).toBeCloseTo(3, 12); // the fixed point stays put
  });

  it('takes the SOR optimum 2 / (1 + √(1 − ρ)) for plain rate ρ', () => {
    expect(optimalOmega(0)).toBe(1);
    expect(optimalOmega(0.99)).toBeCloseTo(2 / 1.1, 12); // √0.01 = 0.1
    expect(optimalOmega(0.75)).toBeCloseTo(4 / 3, 12); // √0.25 = 0.5
    expect(optimalOmega(1)).toBeLessThan(2);
  });

  it('recovers the plain rate from an over-relaxed one', () => {
    // ρ = 0.99, ω = 1.52: λ² − 1.247296λ + 0.2704 = 0, λ = (1.247296 + √0.474147)/2 = 0.967940
    const lambda = relaxedRate(0.99, 1.52);
    expect(lambda).toBeCloseTo(0.96794, 5);
    expect(plainRate(lambda, 1.52)).toBeCloseTo(0.99, 12);
    expect(plainRate(0.9, 1)).toBeCloseTo(0.9, 12); // ω = 1: the rate itself
  });

  it('stays plain for the first (shorter) window, then takes the best ω for the measured rate', () => {
    const c = new OmegaController();
    const errors = Array.from({ length: FIRST_WINDOW + 1 }, (_, t) => 0.01 * 0.99 ** t);
    const omegas = errors.map((e) => c.observe(e));
    expect(omegas.slice(0, FIRST_WINDOW)).toEqual(new Array(FIRST_WINDOW).fill(1));
    expect(c.rate).toBeCloseTo(0.99, 12);
    expect(omegas[FIRST_WINDOW]).toBeCloseTo(2 / 1.1, 12);
  });

  it('raises ω from an over-relaxed window that shows it is below the best', () => {
    const c = new OmegaController();
    c.omega = 1.52;
    const lambda = relaxedRate(0.99, 1.52);
    for (let t = 0; t <= FIRST_WINDOW; t++) c.observe(0.01 * lambda ** t);
    expect(c.omega).toBeCloseTo(2 / 1.1, 10);
    // at the best ω the rate is ω − 1 (complex roots): no further change
    const best = c.omega;
    for (let t = 1; t <= RELAX_WINDOW; t++) c.observe(0.01 * lambda ** FIRST_WINDOW * (best - 1) ** t);
    expect(c.omega).toBe(best);
  });

  it('relaxes at the first iteration whose error is below RELAX_BELOW once the rate is known, not at the next window end', () => {
    const c = new OmegaController();
    // Plain rate 0.9 from 0.2: the first window (t = 0..10) ends at 0.070, above RELAX_BELOW (0.05);
    // the error crosses it at t = 14 (0.2 · 0.9^14 = 0.046), 17 iterations before the next window ends.
    const omegas = Array.from({ length: 16 }, (_, t) => c.observe(0.2 * 0.9 ** t));
    expect(c.rate).toBeCloseTo(0.9, 12);
    expect(omegas.slice(0, 14)).toEqual(new Array(14).fill(1));
    expect(omegas[14]).toBeCloseTo(optimalOmega(0.9), 12);
    expect(omegas[15]).toBe(omegas[14]);
  });

  it('stays plain while the error is large, and never passes MAX_OMEGA', () => {
    const far = new OmegaController();
    for (let t = 0; t <= 3 * RELAX_WINDOW; t++) far.observe(0.9 * 0.999 ** t);
    expect(far.omega).toBe(1);
    const near = new OmegaController();
    for (let t = 0; t <= RELAX_WINDOW; t++) near.observe(0.01 * 0.99999 ** t);
    expect(near.omega).toBe(MAX_OMEGA);
  });

  it('backs off after a window without progress and never goes back above that ω', () => {
    const c = new OmegaController();
    c.omega = 1.8;
    for (let t = 0; t <= FIRST_WINDOW; t++) c.observe(0.01 * 1.05 ** t);
    expect(c.omega).toBeCloseTo(1 + BACK_OFF * 0.8, 12); // 1.64
    // a window that would call for ω = 2/1.1 = 1.818 is held below the 1.8 that failed
    for (let t = 1; t <= RELAX_WINDOW; t++) c.observe(0.01 * 1.05 ** FIRST_WINDOW * relaxedRate(0.99, c.omega) ** t);
    expect(c.omega).toBeGreaterThan(1.64);
    expect(c.omega).toBeLessThan(1.8);
  });

  it('judges a window by its smallest error, so an oscillating error still counts as progress', () => {
    const c = new OmegaController();
    c.omega = 1.5;
    // errors that zig-zag by 3x around a decay of 0.9 an iteration: the window's low is far below its start
    for (let t = 0; t <= RELAX_WINDOW; t++) c.observe(0.01 * 0.9 ** t * (t % 2 ? 3 : 1));
    expect(c.omega).toBeGreaterThanOrEqual(1.5);
  });

  it('returns to plain Sinkhorn at once when the error is 100x the best seen', () => {
    const c = new OmegaController();
    c.omega = 1.8;
    c.observe(0.01);
    expect(c.observe(0.5)).toBe(1.8);
    expect(c.observe(1.5)).toBe(1);
  });

  it('can be held at ω = 1 while still measuring the rate', () => {
    const c = new OmegaController(false);
    for (let t = 0; t <= RELAX_WINDOW; t++) c.observe(0.01 * 0.99 ** t);
    expect(c.omega).toBe(1);
    expect(c.rate).toBeCloseTo(0.99, 12);
  });

  it('predicts the iterations left at the measured rate', () => {
    const c = new OmegaController(false);
    expect(c.remaining(1, 1e-3)).toBe(Infinity); // no rate yet
    for (let t = 0; t <= RELAX_WINDOW; t++) c.observe(0.9 ** t);
    expect(c.remaining(1, 1e-3)).toBeCloseTo(Math.log(1e-3) / Math.log(0.9), 9); // 65.56
    expect(c.remaining(1e-4, 1e-3)).toBe(0);
  });
});
