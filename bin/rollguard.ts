#!/usr/bin/env node
// The `rollguard` command (package.json "bin"). It runs on the project's Node (24+, which runs
// TypeScript as is); `npx rollguard` puts that Node first on the PATH.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
