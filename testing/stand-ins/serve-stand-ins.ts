// The stand-ins as a process of their own, for benchmarks: a server that shares the measuring
// process's event loop would be timed together with it (Node writes a burst of SSE events in
// one go, and the client cannot read until the loop is free). Prints its URL as one JSON line;
// exits when its parent closes stdin.
import { startStandIns } from "./stand-in-server.ts";

const { url, server } = await startStandIns();
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.stdin.resume();
process.stdin.on("end", () => server.close(() => process.exit(0)));
