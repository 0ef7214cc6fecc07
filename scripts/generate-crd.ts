// Writes deploy/crd/release.yaml from the zod schema; with --check, exits 1 when the committed file differs.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { releaseCrdFile, renderReleaseCrd } from '../src/domain/api/crd.ts';

const file = fileURLToPath(releaseCrdFile);
const generated = renderReleaseCrd();

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
