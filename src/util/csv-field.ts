/** One CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, quote, line break or edge spaces. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
