import { removeStackEmployees } from "../stack-cleanup.ts";
import { REAL_UI_NETWORK } from "../ui-network.ts";

export default function teardown() {
  removeStackEmployees(REAL_UI_NETWORK);
}
