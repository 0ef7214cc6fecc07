/**
 * Full collections of the heaps of this process's threads: the Temporal SDK's workflow thread, which
 * runs no code of rollguard's but the workflows'. V8 collects a thread's heap only as the thread
 * allocates, so a workflow thread that goes idle after a bulk update keeps what it held then, its
 * garbage and a young generation grown to its cap (72 MiB committed for 42 used, at N = 1,000:
 * docs/benchmarks.md, "Fifteenth round"). The collection goes through the inspector's NodeWorker
 * domain, the protocol a debugger attaches to threads with, in a session of the process's own that
 * lasts only for it: `HeapProfiler.collectGarbage` is V8's low-memory collection, which also gives
 * the young generation back.
 */
import { Session } from 'node:inspector/promises';

/**
 * How much heap a thread holds committed beyond its use before it is collected: a thread idle after
 * a bulk update held 30 MiB so (its young generation's two semi-spaces, 16 MiB at most each); a
 * collection takes a few hundred milliseconds of the thread.
 */
export const threadHeapSlackBytes = 16 * 2 ** 20;

/** How long a thread may take to answer one message before it is left alone. */
const answerTimeoutMs = 10_000;

export interface ThreadCollection {
  /** The threads the process runs (its main thread's children). */
  threads: number;
  /** Those whose heap was collected: at least `slackBytes` committed beyond their use. */
  collected: number;
  /** The committed heap the collected threads gave back. */
  freedBytes: number;
  /** Threads that did not answer (one that ended meanwhile): the others are collected all the same. */
  unanswered: number;
}

interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

/** One thread of this process, as the inspector attached to it. */
class AttachedThread {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: { result?: unknown; error?: { message: string } }) => void>();

  private readonly session: Session;
  readonly sessionId: string;

  constructor(session: Session, sessionId: string) {
    this.session = session;
    this.sessionId = sessionId;
  }

  /** A reply from the thread, as the inspector delivers it. */
  received(message: string): void {
    const reply = JSON.parse(message) as { id?: number; result?: unknown; error?: { message: string } };
    if (reply.id !== undefined) this.waiting.get(reply.id)?.(reply); // else an event; call() forgets the id
  }

  /** Sends a method of the DevTools protocol to the thread and waits for its result. */
  async call<T>(method: string): Promise<T> {
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<{ result?: unknown; error?: { message: string } }>((resolve, reject) => {
      this.waiting.set(id, resolve);
      timer = setTimeout(() => reject(new Error(`no answer to ${method} in ${answerTimeoutMs} ms`)), answerTimeoutMs);
    });
    try {
      await this.session.post('NodeWorker.sendMessageToWorker', {
        sessionId: this.sessionId,
        message: JSON.stringify({ id, method }),
      });
      const { result, error } = await reply;
      if (error) throw new Error(`${method}: ${error.message}`);
      return result as T;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }
}

/**
 * Collects the heap of every thread this process started that holds at least `slackBytes` committed
 * beyond its use. Rejects when the inspector cannot attach (a Node built without it).
 */
export async function collectThreadHeaps({
  slackBytes = threadHeapSlackBytes,
}: { slackBytes?: number } = {}): Promise<ThreadCollection> {
  const session = new Session();
  session.connect();
  const threads = new Map<string, AttachedThread>();
  session.on('NodeWorker.attachedToWorker', ({ params }) =>
    threads.set(params.sessionId, new AttachedThread(session, params.sessionId)),
  );
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) =>
    threads.get(params.sessionId)?.received(params.message),
  );
  const done: ThreadCollection = { threads: 0, collected: 0, freedBytes: 0, unanswered: 0 };
  try {
    // Attaches to every thread there is now, each announced before the answer.
    await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    done.threads = threads.size;
    for (const thread of threads.values()) {
      try {
        const before = await thread.call<HeapUsage>('Runtime.getHeapUsage');
        if (before.totalSize - before.usedSize < slackBytes) continue;
        await thread.call('HeapProfiler.collectGarbage');
        const after = await thread.call<HeapUsage>('Runtime.getHeapUsage');
        done.collected++;
        done.freedBytes += Math.max(0, before.totalSize - after.totalSize);
      } catch {
        done.unanswered++;
      } finally {
        await session.post('NodeWorker.detach', { sessionId: thread.sessionId }).catch(() => undefined);
      }
    }
    return done;
  } finally {
    await session.post('NodeWorker.disable').catch(() => undefined);
    session.disconnect();
  }
}
