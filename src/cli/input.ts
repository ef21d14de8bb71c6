/** Reading the command's input: a file or standard input, bounded in size. */
import * as fs from 'node:fs';

/** No message the gateway translates comes near this; larger input is refused unread. */
export const MAX_INPUT_BYTES = 1024 * 1024;

export async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      throw new Error(`cannot read input file '${file}'`);
    }
    if (size > MAX_INPUT_BYTES)
      throw new Error(`input file '${file}' is larger than ${MAX_INPUT_BYTES} bytes`);
    return fs.readFileSync(file, 'utf8');
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
