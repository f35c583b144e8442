#!/usr/bin/env node
/** Entry point of the `selavi` binary: runs the CLI and sets the exit code. */
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

process.exitCode = await main(hideBin(process.argv));
