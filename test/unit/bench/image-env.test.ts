import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageEnv } from '../../../bench/support.ts';

describe('imageEnv: the environment the image runs rollguard in', () => {
  it("reads the runtime stage's ENV lines, not the build stage's", () => {
    const dockerfile = [
      'ARG BASE_IMAGE',
      'FROM node AS build',
      'ENV NPM_CONFIG_CACHE=/tmp/npm',
      'RUN npm ci',
      'FROM ${BASE_IMAGE}',
      'ENV NODE_ENV=production',
      '# ENV COMMENTED=out',
      'ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072',
      'USER 1000:1000',
    ].join('\n');
    expect(imageEnv(dockerfile)).toEqual({
      NODE_ENV: 'production',
      GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072',
    });
  });

  it('reads a Dockerfile of one stage, its FROM on the first line', () => {
    expect(imageEnv('FROM node\nENV NODE_ENV=production\n')).toEqual({ NODE_ENV: 'production' });
  });

  it("reads the shipped Dockerfile's", () => {
    const shipped = readFileSync(new URL('../../../deploy/rollguard/Dockerfile', import.meta.url), 'utf8');
    expect(imageEnv(shipped)).toMatchObject({ NODE_ENV: 'production' });
  });
});
