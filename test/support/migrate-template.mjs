// Applies the project's migrations to the run's template database, from the compiled
// sources when present, otherwise by transpiling them on the fly with TypeScript.
import { DataSource } from 'typeorm';
import { existsSync, mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function loadMigrations() {
  const folder = join(root, 'migrations');
  const out = mkdtempSync(join(tmpdir(), 'ads-migrations-'));
  const files = readdirSync(folder).filter((name) => /^\d+-.*\.ts$/.test(name));
  const classes = [];
  for (const file of files) {
    const source = readFileSync(join(folder, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    const target = join(out, file.replace(/\.ts$/, '.mjs'));
    writeFileSync(target, outputText);
    const loaded = await import(pathToFileURL(target).href);
    classes.push(...Object.values(loaded).filter((value) => typeof value === 'function'));
  }
  return classes;
}

export async function migrateDatabase(url) {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: await loadMigrations(),
    migrationsTableName: 'schema_migrations',
    logging: ['error'],
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
}
export { existsSync };
