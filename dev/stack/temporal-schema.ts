import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { host, ports } from './ports.ts';
import { postgresUser, psql } from './postgres.ts';
import { toolPath } from './tools.ts';

const run = promisify(execFile);

/** Temporal's own databases: history and everything else, and visibility (what the UI lists and filters). */
export const databases = [
  { name: 'temporal', schema: 'postgresql/v12/temporal', maxConns: 20 },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility', maxConns: 10 },
];

async function sqlTool(database: string, args: string[]): Promise<void> {
  const tool = await toolPath('temporal-server', 'temporal-sql-tool');
  const connection = ['--plugin', 'postgres12', '--endpoint', host, '--port', String(ports.postgres)];
  try {
    await run(tool, [...connection, '--user', postgresUser, '--database', database, ...args]);
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${stderr ?? String(err)}`, { cause: err });
  }
}

/**
 * Temporal's two databases with the schema the server module ships (embedded in temporal-sql-tool):
 * created and set up once, updated to this server's version at every start (a no-op when current).
 */
export async function ensureSchema(log: (line: string) => void): Promise<void> {
  for (const { name, schema } of databases) {
    const exists = await psql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`);
    if (exists !== '1') {
      log(`creating the database ${name}`);
      await sqlTool(name, ['create-database', '--defaultdb', 'postgres']);
      await sqlTool(name, ['setup-schema', '--version', '0.0']);
    }
    await sqlTool(name, ['update-schema', '--schema-name', schema]);
  }
}
