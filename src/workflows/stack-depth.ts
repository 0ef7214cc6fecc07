/**
 * How many frames an Error made in workflow code records. Loaded once, before the SDK freezes the
 * workflow context's globals (the bundle's preloadModules), so it holds for every workflow.
 *
 * The SDK records where every promise of a workflow was made (for the stack trace the Temporal UI
 * shows of a running workflow): a new Error per promise, its frames mapped through the bundle's
 * source map. With V8's default of 10 frames that was a third of the workflow thread's time
 * (docs/benchmarks.md, "Sixth round"). The innermost frames say where a workflow waits; the outer
 * ones repeat the SDK's activation path.
 */
Error.stackTraceLimit = 5;
