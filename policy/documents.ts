/**
 * Splits YAML text (one or many `---` documents) into Kubernetes objects, keeping where each
 * came from. Pure: the caller reads the file. Used by `sluice validate` and the sidecar's file mode.
 */
import { parseAllDocuments } from 'yaml';

export interface SourcedObject {
  /** "path/to/file.yaml#2" — the file and the document's 1-based index in it. */
  source: string;
  /** 1-based line of the document's start. */
  line: number;
  object: unknown;
}

export interface DocumentError {
  source: string;
  line: number;
  message: string;
}

export function parseYamlDocuments(
  text: string,
  file: string,
): { objects: SourcedObject[]; errors: DocumentError[] } {
  const objects: SourcedObject[] = [];
  const errors: DocumentError[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  parseAllDocuments(text, { prettyErrors: true }).forEach((doc, index) => {
    const source = `${file}#${index + 1}`;
    const line = lineOf(doc.range?.[0] ?? 0);
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        errors.push({
          source,
          line: error.linePos?.[0]?.line ?? line,
          message: error.message.split('\n')[0]!,
        });
      }
      return;
    }
    const object: unknown = doc.toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) return; // an empty document, e.g. a trailing ---
    objects.push({ source, line, object });
  });
  return { objects, errors };
}

export function kindOf(object: unknown): { apiVersion: unknown; kind: unknown; name: unknown } {
  const o = (object ?? {}) as Record<string, unknown>;
  const metadata = (o['metadata'] ?? {}) as Record<string, unknown>;
  return { apiVersion: o['apiVersion'], kind: o['kind'], name: metadata['name'] };
}
