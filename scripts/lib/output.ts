/** The start script's own lines, set apart from the services' prefixed output. */
const tty = process.stdout.isTTY === true;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[22m` : s);
const red = (s: string) => (process.stderr.isTTY ? `\x1b[31m${s}\x1b[39m` : s);

export function say(text: string): void {
  process.stdout.write(
    text
      .split('\n')
      .map((line) => `${bold('[start]')} ${line}\n`)
      .join(''),
  );
}

export function sayError(text: string): void {
  process.stderr.write(red(`[start] ${text}`) + '\n');
}

/** The last lines a process wrote, to show why it died. */
export class TailBuffer {
  #lines: string[] = [];
  #partial = '';

  constructor(private readonly keep: number) {}

  push(chunk: Buffer | string): void {
    const parts = (this.#partial + chunk.toString()).split('\n');
    this.#partial = parts.pop() ?? '';
    this.#lines.push(...parts);
    if (this.#lines.length > this.keep) this.#lines.splice(0, this.#lines.length - this.keep);
  }

  text(): string {
    const all = this.#partial ? [...this.#lines, this.#partial] : this.#lines;
    return all.map((l) => `    ${l}\n`).join('');
  }
}
