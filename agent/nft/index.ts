// nftables-js: a typed nftables library for Node. Imports nothing outside this folder.
export type * from './types.ts';
export { isMap } from './types.ts';
export { NftError, errorFromStderr, type NftErrorCode } from './errors.ts';
export { Transaction, type Op, type RenderOptions } from './transaction.ts';
export { renderRuleset, renderElement, assertName, quote, NFT_NAME_MAX } from './render.ts';
export { execNft, nftCommandLine, netnsPath, type NftExec, type NftRunOptions, type NftRunResult } from './runner.ts';
export { parseTableJson, parseChainsJson, jsonValueToText } from './json.ts';
export { ExecApplier, type NftApplier, type ExecApplierOptions } from './applier.ts';
export { FakeNft } from './fake.ts';
export { InteractiveApplier, type InteractiveApplierOptions } from './interactive.ts';
export { diffRulesets, fullSyncTransaction } from './diff.ts';
