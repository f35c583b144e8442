/**
 * The data types that flow from decode to training. Shapes are row-major (C order).
 */

/** One decoded clip: frames and the audio of the same time span. */
export interface DecodedClip {
  /** Source video path, as given by the user (relative or absolute). */
  path: string;
  /** Clip start within the video, seconds. */
  start: number;
  /** Frames, RGB in [0, 1], shape `frameShape` = [T, H, W, 3]. */
  frames: Float32Array;
  frameShape: [number, number, number, 3];
  /** Log-mel spectrogram, shape `specShape` = [F time frames, M mel bins]. */
  spec: Float32Array;
  specShape: [number, number];
  /** False when the video had no audio track and `--missing-audio silence` filled it. */
  hasAudio: boolean;
  /** True when the clip was shorter than the span and was padded (last frame repeated, audio zero). */
  padded?: boolean;
  /** What went wrong in a clip that was still used (decoder errors in its span), in words. */
  note?: string;
}

/** A file that could not be used, and why. Written to `skipped.csv` and the run log. */
export interface SkippedItem {
  path: string;
  reason: string;
}

/** Labelled images for SeLa mode (image-only), held as one uint8 block: n x h x w x c. */
export interface ImageSet {
  n: number;
  h: number;
  w: number;
  c: number;
  /** Pixels 0..255, [n, h, w, c]. */
  pixels: Uint8Array;
  /** A name per image (file path, or `idx:<i>` for IDX files). */
  names: string[];
  /** Ground-truth labels when known (reporting only, never training). */
  truth?: Int32Array;
}
