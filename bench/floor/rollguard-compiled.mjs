// The rollguard CLI from the JavaScript `npm run build` compiled into dist/src, as the image runs it:
// what bench/worker-floor.ts weighs beside the TypeScript sources (whose type stripping costs memory).
const { main } = await import('../../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
