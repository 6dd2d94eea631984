/**
 * The README and docs stay navigable: every relative link in a Markdown file points at a file or
 * folder that exists (anchors and external URLs are not followed).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** [text](target) and [text]: target, without images' or code spans' special cases mattering. */
const LINK = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)|^\[[^\]]+\]:\s*(\S+)/gm;

function markdownFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

function brokenLinks(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(LINK)]
    .map((m) => (m[1] ?? m[2])!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => decodeURI(target.split('#')[0]!))
    .filter((path) => !existsSync(join(ROOT, dirname(file), path)))
    .map((path) => `${file} -> ${path}`);
}

describe('documentation links', () => {
  const files = ['README.md', ...markdownFiles('docs')];

  it('reads the README and the docs', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('every relative link resolves to a file in the repo', () => {
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });
});
