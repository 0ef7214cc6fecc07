#!/usr/bin/env node
// `kubectl rollguard ARGS...`: kubectl runs the first kubectl-rollguard on the PATH with the ARGS.
import './rollguard.js';
