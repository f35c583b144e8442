#!/usr/bin/env node
/** Entry point of the `selavi` binary: runs the CLI and exits with its code. */
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

const code = await main(hideBin(process.argv));
// Exit explicitly once stdout has drained: the threaded wasm backend keeps worker threads alive.
process.stdout.write('', () => process.exit(code));
