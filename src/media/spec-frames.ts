/**
 * How many spectrogram frames a clip gives: a module of its own so that the decode options (and the
 * CLI's flags through them) know a clip's spectrogram shape without loading the FFT at start-up.
 */

/** Number of spectrogram frames for `n` samples (always ≥ 1: short input is zero-padded). */
export function specFrameCount(n: number, winLength: number, hopLength: number): number {
  return n <= winLength ? 1 : 1 + Math.floor((n - winLength) / hopLength);
}
