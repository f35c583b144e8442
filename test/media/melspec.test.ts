import { describe, expect, it } from 'vitest';
import {
  createMelSpectrogram,
  hannWindow,
  hzToMel,
  melFilterbank,
  melSpectrogram,
  melToHz,
  specFrameCount,
} from '../../src/media/melspec.js';

describe('melspec by hand (nFft = 8, 2 mel bins)', () => {
  // Setup: sr = 16000, win = hop = nFft = 8, 2 mels over 0..8000 Hz, one frame of
  // x[n] = cos(2π·2000·n/16000) = cos(πn/4), n = 0..7: exactly FFT bin 1 (bins are k·2000 Hz).
  //
  // Window (periodic Hann, N = 8): w[n] = 0.5 − 0.5 cos(2πn/8). In frequency, W = 8·(½δ₀ − ¼δ₁ − ¼δ₋₁),
  // i.e. W[0] = 4, W[±1] = −2. The cosine's DFT is X[±1] = 4. Windowing = circular convolution / 8:
  //   Y[k] = (4·X[k] − 2·X[k−1] − 2·X[k+1]) / 8
  //   Y[0] = (0 − 2·4 − 2·4)/8 = −2,  Y[1] = (4·4 − 0 − 0)/8 = 2,  Y[2] = (0 − 2·4 − 0)/8 = −1,  Y[3] = Y[4] = 0
  // Power |Y|²: [4, 4, 1, 0, 0] at 0, 2000, 4000, 6000, 8000 Hz.
  //
  // HTK mel edges: mel(8000) = 2595·log10(1 + 8000/700) = 2595·log10(12.428571) = 2840.023.
  // Equally spaced: 0, 946.674, 1893.349, 2840.023 mel → Hz = 700·(10^(mel/2595) − 1):
  //   700·(2.316365 − 1) = 921.456 Hz,   700·(5.365549 − 1) = 3055.884 Hz,   8000 Hz.
  // Filter 0 = triangle (0, 921.456, 3055.884):
  //   0 Hz → 0 (left edge);  2000 Hz → falling (3055.884 − 2000)/(3055.884 − 921.456) = 1055.884/2134.428 = 0.494692
  // Filter 1 = triangle (921.456, 3055.884, 8000):
  //   2000 Hz → rising (2000 − 921.456)/2134.428 = 0.505308;  4000 Hz → falling (8000 − 4000)/(8000 − 3055.884) = 0.809043
  //   6000 Hz → 2000/4944.116 = 0.404521 but power there is 0.
  // Mel energies: m0 = 0.494692·4 = 1.978767;  m1 = 0.505308·4 + 0.809043·1 = 2.830276.
  // Log: ln(1.978767 + 1e-6) = 0.682475;  ln(2.830276 + 1e-6) = 1.040374.
  const opts = { sampleRate: 16000, winLength: 8, hopLength: 8, nFft: 8, nMels: 2 };
  const x = Float32Array.from({ length: 8 }, (_, n) => Math.cos((Math.PI * n) / 4));

  it('window, filters and log-mel match the arithmetic', () => {
    expect([...hannWindow(8)]).toEqual([0, 0.5 - 0.5 * Math.SQRT1_2, 0.5, 0.5 + 0.5 * Math.SQRT1_2, 1, 0.5 + 0.5 * Math.SQRT1_2, 0.5, 0.5 - 0.5 * Math.SQRT1_2].map((v, i) => (i === 0 ? 0 : expect.closeTo(v, 12))));
    const fb = melFilterbank(16000, 8, 2);
    expect(fb[0].centre).toBeCloseTo(921.456, 2);
    expect(fb[1].centre).toBeCloseTo(3055.884, 2);
    expect(fb[0].start).toBe(1); // 0 Hz sits on the left edge: weight 0, so the support starts at bin 1
    expect(fb[0].weights[0]).toBeCloseTo(0.494692, 5);
    expect(fb[1].start).toBe(1);
    expect([...fb[1].weights].map((v) => +v.toFixed(6))).toEqual([0.505308, 0.809043, 0.404521]);
    const spec = melSpectrogram(x, opts);
    expect(spec.length).toBe(2);
    expect(spec[0]).toBeCloseTo(0.682475, 5);
    expect(spec[1]).toBeCloseTo(1.040374, 5);
  });

  it('frames: Kaldi-style count without centre padding', () => {
    expect(specFrameCount(32000, 400, 160)).toBe(198);
    expect(specFrameCount(400, 400, 160)).toBe(1);
    expect(specFrameCount(10, 400, 160)).toBe(1); // zero-padded to one frame
    expect(melSpectrogram(new Float32Array(24), opts).length).toBe(3 * 2);
  });
});

describe('melspec on real tones (16 kHz, 25 ms / 10 ms, 64 HTK mels)', () => {
  const sr = 16000;
  const mel = createMelSpectrogram({ sampleRate: sr, winLength: 400, hopLength: 160, nMels: 64 });
  const tone = (hz: number, seconds = 1) => Float32Array.from({ length: sr * seconds }, (_, n) => 0.5 * Math.sin((2 * Math.PI * hz * n) / sr));
  const meanRow = (spec: Float32Array, M: number) => {
    const avg = new Float64Array(M);
    for (let i = 0; i < spec.length; i++) avg[i % M] += spec[i];
    return avg;
  };
  const argmax = (a: ArrayLike<number>) => {
    let b = 0;
    for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
    return b;
  };

  it('a 1 kHz sine peaks at the mel bin whose triangle centre is nearest 1 kHz', () => {
    const spec = mel(tone(1000));
    expect(spec.length).toBe(98 * 64);
    const fb = melFilterbank(sr, 512, 64);
    const expected = argmax(fb.map((f) => -Math.abs(f.centre - 1000)));
    expect(fb[expected].lo).toBeLessThan(1000);
    expect(fb[expected].hi).toBeGreaterThan(1000);
    expect(argmax(meanRow(spec, 64))).toBe(expected);
  });

  it('peaks move up with frequency; silence is log(1e-6); HTK scale is anchored at 1000 Hz ≈ 1000 mel', () => {
    const peaks = [300, 1000, 3000, 6000].map((hz) => argmax(meanRow(mel(tone(hz, 0.2)), 64)));
    expect(peaks).toEqual([...peaks].sort((a, b) => a - b));
    expect(new Set(peaks).size).toBe(4);
    const silent = mel(new Float32Array(1600));
    expect(Math.max(...silent)).toBeCloseTo(Math.log(1e-6), 6);
    expect(hzToMel(1000)).toBeCloseTo(1000, 0);
    expect(melToHz(hzToMel(4321))).toBeCloseTo(4321, 6);
    // No empty filter at 64 mels / 512-point FFT: every bin responds to something.
    expect(melFilterbank(sr, 512, 64).every((f) => f.weights.length > 0)).toBe(true);
  });
});
