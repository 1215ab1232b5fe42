/**
 * The bottom line of a terminal, kept for one status display, with log lines written above it: a log
 * line first clears the status, then the status is drawn again below it, so the two never interleave.
 */
export class StatusLine {
  private text = '';

  constructor(private readonly out: { write(s: string): unknown }) {}

  /** Show `text` as the status (replacing the previous one). */
  show(text: string): void {
    this.text = text;
    this.out.write(`\r\x1b[2K${text}`);
  }

  /** Write a log line above the status. */
  log(line: string): void {
    if (this.text) this.out.write('\r\x1b[2K');
    this.out.write(line.endsWith('\n') ? line : `${line}\n`);
    if (this.text) this.out.write(this.text);
  }

  /** Remove the status (the run is over; what follows is its result). */
  clear(): void {
    if (!this.text) return;
    this.out.write('\r\x1b[2K');
    this.text = '';
  }
}
