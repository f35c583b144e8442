/**
 * The truth formats `selavi eval --format` accepts, besides `auto`: a module of its own so that the
 * CLI's flags name them without loading the readers (and their CSV parser) at start-up.
 */
export const TRUTH_FORMATS = ['csv', 'vggsound', 'kinetics', 'ave'] as const;
export type TruthFormat = (typeof TRUTH_FORMATS)[number];
