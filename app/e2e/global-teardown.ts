import { removeStackEmployees } from "./stack-cleanup.ts";
import { UI_NETWORK } from "./ui-network.ts";

export default function teardown() {
  removeStackEmployees(UI_NETWORK);
}
