/** Where the CLI writes; injected so tests can run it in-process. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}
