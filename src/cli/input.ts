/** Reading the command's input: a file or standard input, bounded in size. */
import * as fs from 'node:fs';

/** No message the gateway translates comes near this; larger input is refused unread. */
export const MAX_INPUT_BYTES = 1024 * 1024;

export async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new Error(`cannot read input file '${file}': no such file`);
    }
    if (!stat.isFile()) throw new Error(`cannot read input file '${file}': not a regular file`);
    if (stat.size > MAX_INPUT_BYTES) {
      throw new Error(`input file '${file}' is larger than ${MAX_INPUT_BYTES} bytes`);
    }
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`cannot read input file '${file}': ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > MAX_INPUT_BYTES)
      throw new Error(`input on standard input is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
