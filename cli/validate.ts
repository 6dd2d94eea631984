/**
 * `sluice validate FILE|DIR...`: offline validation of TenantPolicy YAML with the rules the API
 * server applies. Other kinds in the files (Secrets, say) are skipped. Exit 1 on any invalid object.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kindOf, parseYamlDocuments } from '../policy/documents.ts';
import { KIND } from '../policy/schema/tenant-policy.ts';
import { validateTenantPolicy } from '../policy/schema/validate.ts';
import type { Io } from './io.ts';

export async function validate(args: string[], io: Io): Promise<number> {
  const paths = args.filter((a) => !a.startsWith('-'));
  if (paths.length === 0 || args.includes('--help')) {
    io.stderr.write(
      'usage: sluice validate FILE|DIR...\n  Checks TenantPolicy YAML offline; exit 1 if any is invalid.\n',
    );
    return paths.length === 0 && !args.includes('--help') ? 2 : 0;
  }
  let invalid = 0;
  let checked = 0;
  for (const file of expand(paths, io)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      io.stdout.write(`${file}: SLUICE_FILE_UNREADABLE: ${(error as Error).message}\n`);
      invalid++;
      continue;
    }
    const { objects, errors } = parseYamlDocuments(text, file);
    for (const error of errors) {
      io.stdout.write(`${error.source} (line ${error.line}): SLUICE_FILE_UNREADABLE: ${error.message}\n`);
      invalid++;
    }
    for (const { source, line, object } of objects) {
      const { kind, name } = kindOf(object);
      if (kind !== KIND) continue;
      checked++;
      const result = validateTenantPolicy(object);
      const label = `${source} (line ${line}) ${KIND}/${typeof name === 'string' ? name : '?'}`;
      if (result.valid) {
        io.stdout.write(`${label}: valid\n`);
        continue;
      }
      invalid++;
      io.stdout.write(`${label}: SLUICE_POLICY_INVALID\n`);
      for (const issue of result.issues) io.stdout.write(`  ${issue.path}: ${issue.message}\n`);
    }
  }
  io.stdout.write(`${checked} TenantPolicy object(s) checked, ${invalid} invalid\n`);
  return invalid > 0 ? 1 : 0;
}

function expand(paths: string[], io: Io): string[] {
  const files: string[] = [];
  for (const path of paths) {
    try {
      if (statSync(path).isDirectory()) {
        for (const entry of readdirSync(path).sort()) {
          if (/\.ya?ml$/.test(entry)) files.push(join(path, entry));
        }
      } else {
        files.push(path);
      }
    } catch {
      io.stderr.write(`${path}: no such file or directory\n`);
      files.push(path); // reported as unreadable, counted invalid
    }
  }
  return files;
}
