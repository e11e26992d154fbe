import { execFileSync } from "node:child_process";
import path from "node:path";
import dockerSetup from "../../node-agent/test/docker-setup.ts";

const scripts = path.resolve(import.meta.dirname, "../scripts");

// A Docker engine and the lifecycle test image (as for the agent's tests), Debian's Chromium,
// and the real employee image: built once here (2–4 minutes on a fresh machine, nothing when
// it is already there), so no test's own timeout has to cover it.
export default function setup() {
  dockerSetup();
  execFileSync("bash", [path.join(scripts, "ensure-chromium.sh")], { stdio: "inherit" });
  execFileSync("bash", [path.join(scripts, "build-employee-image.sh")], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}
