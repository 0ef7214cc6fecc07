#!/usr/bin/env node
// The `rollguard` command as npm installs it (package.json "bin"). The installed package runs the
// JavaScript `npm run build` compiled into dist/src (Node strips no types under node_modules); a
// clone has the TypeScript sources and runs them as they are, as bin/rollguard.ts does, unbuilt.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(sources) ? sources : new URL('../dist/src/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
