// Writes deploy/crd/release.yaml and the Helm chart's copy (charts/rollguard/crds/) from the zod schema and
// package.json's version; with --check, exits 1 when a committed file differs.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chartCrdFile, releaseCrdFile, renderReleaseCrd } from '../src/domain/api/crd.ts';
import { rollguardVersion } from '../src/telemetry/build-info.ts';

const files = [releaseCrdFile, chartCrdFile].map((url) => fileURLToPath(url));
const generated = renderReleaseCrd(rollguardVersion);

for (const file of files) {
  if (process.argv.includes('--check')) {
    const committed = await readFile(file, 'utf8').catch(() => '');
    if (committed !== generated) {
      console.error(
        `${file} is out of date with src/domain/api: run \`node scripts/generate-crd.ts\` and commit the result`,
      );
      process.exitCode = 1;
    } else {
      console.log(`${file} is up to date`);
    }
  } else {
    await writeFile(file, generated);
    console.log(`wrote ${file}`);
  }
}
