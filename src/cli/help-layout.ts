/**
 * One repair of yargs's help layout. When an option's description ends exactly at the edge of
 * its column, cliui puts the option's `[type] [default: …]` right after it with no space
 * ("…one per each[string]"); that line is split here, the extras moved, right-aligned as
 * before, to a line of their own.
 */

/** The extras yargs writes after a description. */
const JOINED_EXTRA = /^(.*\S)(\[(?:boolean|string|number|array|count|required|deprecated|choices:|default:).*)$/;

/** `text` with every description-extras join split onto two lines (pure). */
export function fixHelpLayout(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = JOINED_EXTRA.exec(line);
      return m ? `${m[1]}\n${' '.repeat(line.length - m[2].length)}${m[2]}` : line;
    })
    .join('\n');
}
