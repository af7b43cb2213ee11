#!/usr/bin/env node
import { runCli } from './cli/run.js';

const io = {
  out: (text: string) => process.stdout.write(`${text}\n`),
  err: (text: string) => process.stderr.write(`${text}\n`),
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // An unexpected failure is a bug: say so in one line; the stack only on request.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`clusterops: internal error: ${message}\n`);
    if (process.env.CLUSTEROPS_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    process.exitCode = 70;
  },
);
