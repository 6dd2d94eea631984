/** The streams a subcommand talks to; tests pass their own. */
export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const processIo: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
