import type { Session } from '../session.ts';

export interface DemoOptions {
  exit: boolean;
}

/** `rollguard demo`: the story of `npm run demo` (see src/demo/demo.ts). It brings its own stack, so the session's connections are not used. */
export async function demo(options: DemoOptions, session: Session): Promise<number> {
  const { runDemo } = await import('../../demo/demo.ts');
  return await runDemo({ exit: options.exit, ...(session.connections.namespace ? { namespace: session.connections.namespace } : {}) });
}
