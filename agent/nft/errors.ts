// Errors with stable codes, so callers branch on `code` and never on nft's
// English. The first `Error:` line of nft's stderr travels with the error.

export type NftErrorCode =
  /** nft could not parse the input. */
  | 'NFT_SYNTAX'
  /** A table, chain, set or element the transaction refers to does not exist. */
  | 'NFT_NOT_FOUND'
  /** `create` of something that exists, or an element re-added with other data. */
  | 'NFT_EXISTS'
  /** Deleting something still referenced (a chain jumped to, a set in use). */
  | 'NFT_BUSY'
  /** Not root / no CAP_NET_ADMIN, or the namespace cannot be entered. */
  | 'NFT_PERMISSION'
  /** The `nft` binary (or nsenter) is not installed. */
  | 'NFT_NOT_INSTALLED'
  /** nft's JSON output did not have the expected shape. */
  | 'NFT_PARSE'
  /** nft did not answer within the applier's deadline (it was killed; the table's state is unknown). */
  | 'NFT_TIMEOUT'
  /** Any other failure of nft. */
  | 'NFT_EXEC';

export class NftError extends Error {
  readonly code: NftErrorCode;
  /** nft's complete stderr (empty when nft never ran). */
  readonly stderr: string;
  /** The 1-based line of the input that nft blamed, when it said. */
  readonly inputLine?: number;

  constructor(code: NftErrorCode, message: string, stderr = '', inputLine?: number) {
    super(message);
    this.name = 'NftError';
    this.code = code;
    this.stderr = stderr;
    this.inputLine = inputLine;
  }
}

const CLASSIFIERS: [RegExp, NftErrorCode][] = [
  [/syntax error|unexpected|Could not parse|unknown identifier|datatype mismatch|conflicting|invalid (?!argument)/i, 'NFT_SYNTAX'],
  [/No such file or directory|does not exist|not found/i, 'NFT_NOT_FOUND'],
  [/File exists/i, 'NFT_EXISTS'],
  [/Device or resource busy|Resource busy/i, 'NFT_BUSY'],
  [/Operation not permitted|Permission denied|setns|cannot open network namespace|reopen network namespace/i, 'NFT_PERMISSION'],
];

/** Turns nft's stderr after a failed run into a typed error. */
export function errorFromStderr(stderr: string, exitCode: number | null): NftError {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const errorLine = lines.find((l) => /Error:/.test(l)) ?? lines[0] ?? `nft exited with status ${exitCode}`;
  const code = CLASSIFIERS.find(([re]) => re.test(errorLine))?.[1] ?? 'NFT_EXEC';
  const located = errorLine.match(/^[^:\s]+:(\d+):\d+(?:-\d+)?: /);
  return new NftError(code, errorLine.trim(), stderr, located ? Number(located[1]) : undefined);
}
