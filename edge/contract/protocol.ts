// The agent- and runtime-neutral part of the contract that lives in edge/protocol/ (the edge ↔
// node agent frames, the access token, the one name check), re-exported here so everything
// shared is reachable from the contract.
export * from "../protocol/access-token.ts";
export * from "../protocol/check-name.ts";
export * from "../protocol/frames.ts";
