import { execFileSync } from "node:child_process";
import path from "node:path";

const scripts = path.resolve(import.meta.dirname, "../../../infra/scripts");

// Chromium, Docker and the real employee image (built once; nothing when it is already there),
// before the stack starts, so the web server's own timeout need not cover an image build.
export default function setup() {
  execFileSync("bash", [path.join(scripts, "ensure-chromium.sh")], { stdio: "inherit" });
  execFileSync("bash", [path.join(scripts, "ensure-docker.sh")], { stdio: "inherit" });
  execFileSync("bash", [path.join(scripts, "build-employee-image.sh")], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}
