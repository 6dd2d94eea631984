/**
 * The flags the operator sets on itself are flags this V8 knows: V8 does not fail on an
 * unknown flag in v8.setFlagsFromString, it prints "unrecognized flag" and ignores it, so a
 * renamed flag would silently stop working after a Node upgrade.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OPERATOR_V8_FLAGS } from './v8-flags.ts';

const MODULE = new URL('./v8-flags.ts', import.meta.url).pathname;

describe('operator V8 flags', () => {
  it('are applied by a Node process without a complaint from V8', () => {
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `(await import(${JSON.stringify(MODULE)})).applyOperatorV8Flags()`],
      { encoding: 'utf8' },
    );
    expect(`${run.stdout}${run.stderr}`).toBe('');
    expect(run.status).toBe(0);
  });

  it.each(OPERATOR_V8_FLAGS.map((f) => [f]))('%s is a flag this V8 lists', (flag) => {
    const name = flag.replace(/=.*$/, '');
    const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    expect(options.split('\n').some((line) => line.trim().split(' ')[0] === name)).toBe(true);
  });

  it('catches a flag V8 does not know', () => {
    const run = spawnSync(
      process.execPath,
      ['-e', `require('node:v8').setFlagsFromString('--heap-growing-percentage=20')`],
      { encoding: 'utf8' },
    );
    expect(`${run.stdout}${run.stderr}`).toMatch(/unrecognized flag/);
  });
});
