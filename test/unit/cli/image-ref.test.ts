import { describe, expect, it } from 'vitest';
import { checkImageReference, parseImageAssignment } from '../../../src/cli/image-ref.ts';

describe('an image reference', () => {
  it.each([
    ['nginx', { path: 'nginx' }],
    ['example/web:v2', { path: 'example/web', tag: 'v2' }],
    ['example/web:v3-broken', { path: 'example/web', tag: 'v3-broken' }],
    [
      'registry.example.com:5000/team/web:1.2.3',
      { domain: 'registry.example.com:5000', path: 'team/web', tag: '1.2.3' },
    ],
    ['localhost/web', { domain: 'localhost', path: 'web' }],
    ['ghcr.io/org/my_app__x-y.z:latest', { domain: 'ghcr.io', path: 'org/my_app__x-y.z', tag: 'latest' }],
    [`web@sha256:${'a'.repeat(64)}`, { path: 'web', digest: `sha256:${'a'.repeat(64)}` }],
    [`web:v1@sha256:${'b'.repeat(64)}`, { path: 'web', tag: 'v1', digest: `sha256:${'b'.repeat(64)}` }],
  ])('%s is accepted', (text, reference) => {
    expect(checkImageReference(text)).toEqual({ ok: true, reference });
  });

  it.each([
    ['', 'the image is empty'],
    ['example/web v2', 'cannot contain spaces'],
    ['example/Web:v2', '"Web" has upper-case letters'],
    ['example/web:', 'the tag after ":" is empty'],
    ['example/web:-v2', 'the tag "-v2" is not valid'],
    ['example//web', 'empty path component'],
    ['example/web/', 'empty path component'],
    ['example/-web', '"-web" is not a repository name component'],
    ['web@sha256:abc', 'is not a digest'],
    ['my_registry.com/web', '"my_registry.com" is not a registry host name'],
    [`${'a'.repeat(256)}:v1`, 'longer than 255'],
  ])('%s is refused: %s', (text, reason) => {
    const check = checkImageReference(text);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(reason);
  });
});

describe('CONTAINER=IMAGE', () => {
  it('splits at the first "="', () => {
    expect(parseImageAssignment('app=example/web:v2')).toEqual({ container: 'app', image: 'example/web:v2' });
  });

  it('refuses a missing container or a bad image with the reason', () => {
    expect(() => parseImageAssignment('example/web:v2')).toThrow('"example/web:v2" is not CONTAINER=IMAGE');
    expect(() => parseImageAssignment('=example/web:v2')).toThrow('is not CONTAINER=IMAGE');
    expect(() => parseImageAssignment('app=example/Web')).toThrow(
      '"example/Web" is not a valid image reference: "Web" has upper-case letters',
    );
  });
});
