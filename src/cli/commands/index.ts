/** Every `selavi` subcommand, in the order `--help` lists them. */
import type { CommandModule } from 'yargs';
import { assignCommand } from './assign.js';
import { clusterCommand } from './cluster.js';
import { decodeCommand } from './decode.js';
import { doctorCommand } from './doctor.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { launchCommand } from './launch.js';
import { mergeCommand } from './merge.js';
import { reportCommand } from './report.js';
import { selaCommand } from './sela.js';
import { sinkhornCommand } from './sinkhorn.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [clusterCommand, selaCommand, assignCommand, reportCommand, inspectCommand, decodeCommand, mergeCommand, launchCommand, sinkhornCommand, evalCommand, doctorCommand];
