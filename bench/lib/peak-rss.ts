/** Peak resident memory of this process so far, MB (child processes such as ffmpeg not included). */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
