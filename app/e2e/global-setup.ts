import { execFileSync } from "node:child_process";
import path from "node:path";

const scripts = path.resolve(import.meta.dirname, "../../infra/scripts");

export default function setup() {
  execFileSync("bash", [path.join(scripts, "ensure-chromium.sh")], { stdio: "inherit" });
  execFileSync("bash", [path.join(scripts, "ensure-docker.sh")], { stdio: "inherit" });
  execFileSync("bash", [path.join(scripts, "build-test-image.sh")], { stdio: "inherit" });
}
