/**
 * `sluice validate FILE|DIR...`: offline validation of TenantPolicy YAML with the rules the API
 * server applies. Other kinds in the files (Secrets, say) are skipped. Exit 1 on any invalid object.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kindOf, parseYamlDocuments } from '../policy/documents.ts';
import { SluiceError } from '../policy/errors.ts';
import { KIND } from '../policy/schema/tenant-policy.ts';
import { validateTenantPolicy } from '../policy/schema/validate.ts';
import type { Io } from './io.ts';
import { commandSettings } from './lib/settings/command.ts';
import { parseSettings } from './lib/settings/parse.ts';

/** No flags yet: a flag is refused with SLUICE_CONFIG_INVALID rather than read as a file name. */
export const VALIDATE_SETTINGS = {} as const;

const ABOUT = `Checks TenantPolicy YAML offline (each FILE, and each .yaml/.yml in each DIR) with the rules
the API server applies; other kinds are skipped. Exit 0 all valid, 1 any invalid or unreadable,
2 usage error. A file whose name starts with "-" goes after "--".`;

export async function validate(
  args: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const read = commandSettings(
    'sluice validate',
    'FILE|DIR...',
    VALIDATE_SETTINGS,
    args,
    io,
    () => {
      const { positionals } = parseSettings(VALIDATE_SETTINGS, args, env, 'SLUICE_CONFIG_INVALID', {
        positionals: true,
      });
      if (positionals.length === 0)
        throw new SluiceError('SLUICE_CONFIG_INVALID', 'name at least one FILE or DIR');
      return positionals;
    },
    ABOUT,
  );
  if ('exit' in read) return read.exit;
  const paths = read.settings;
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

function expand(paths: readonly string[], io: Io): string[] {
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
