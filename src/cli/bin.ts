#!/usr/bin/env node
/** Entry point of the `selavi` binary: runs the CLI and exits with its code. */
import { relaunchWithHugePages } from './relaunch.js';

// Before anything else loads: the long commands may start again with malloc on huge pages.
relaunchWithHugePages();
const { hideBin } = await import('yargs/helpers');
const { main } = await import('./main.js');
const code = await main(hideBin(process.argv));
// Exit explicitly once stdout has drained: the threaded wasm backend keeps worker threads alive.
process.stdout.write('', () => process.exit(code));
