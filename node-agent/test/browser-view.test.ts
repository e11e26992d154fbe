import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  ACCESS_PROTOCOL_PREFIX,
  PAGE_PATH,
  VNC_PATH,
  VNC_PROTOCOL,
} from "../../edge/contract/browser-view.ts";
import {
  type AccessClaims,
  importSigningKey,
  importVerifyKey,
  signAccessToken,
} from "../../edge/protocol/access-token.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../infra/tests/chromium.ts";
import { startAccessProxy } from "../access/access-proxy.ts";
import { workspaceEntries } from "../employee/workspace-files.ts";
import { createLogger } from "../logger.ts";
import { DockerRuntime, READY_TIMEOUT_MS } from "../runtime/docker/docker-runtime.ts";
import { docker, removeTestEmployees, testDisksRoot } from "./docker-cli.ts";
import { rfbSnapshot, toPng } from "./rfb-snapshot.ts";

// The app's browser view against the real employee image under runc, through the node's access
// proxy: its WebSocket to websockify is admitted with the employee's browser grant offered as a
// subprotocol and refused without one, with an expired one, another employee's or the chat's;
// /__iw/page reports the page Chromium shows. A snapshot of the screen as people see it is saved
// (IW_BROWSER_SNAPSHOT, default in the temp folder) so a person can look for warning bars. Last,
// noVNC's own RFB class in Chromium, on a page of another origin (as the app is), does the same.

const PREFIX = `b${process.pid}`.padEnd(8, "0").slice(0, 8);
const employeeA = `${PREFIX}-0000-4000-8000-00000000000a`;
const employeeB = `${PREFIX}-0000-4000-8000-00000000000b`;
const root = path.resolve(import.meta.dirname, "../..");
const log = createLogger(process.env.LOG_LEVEL ?? "warn");
const stateDir = mkdtempSync(path.join(os.tmpdir(), "iw-browser-view-"));
const snapshotFile =
  process.env.IW_BROWSER_SNAPSHOT ?? path.join(os.tmpdir(), "iw-browser-view.png");
const pair = generateKeyPairSync("ed25519");
const privateB64 = pair.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
const publicB64 = (pair.publicKey.export({ type: "spki", format: "der" }) as Buffer)
  .subarray(12)
  .toString("base64");

let runtime: DockerRuntime;
let server: Server;
let port = 0;
const vncHost = `${employeeA}.vnc.localhost`;

const token = async (claims: Partial<AccessClaims> = {}) =>
  signAccessToken(await importSigningKey(privateB64), {
    e: employeeA,
    u: "account-1",
    s: "browser",
    x: Date.now() + 60_000,
    ...claims,
  });

/** The browser view's WebSocket: resolves when open (with the protocol chosen), rejects when refused. */
function openVnc(host: string, grant?: string): Promise<WebSocket> {
  const protocols = [VNC_PROTOCOL, ...(grant ? [`${ACCESS_PROTOCOL_PREFIX}${grant}`] : [])];
  const ws = new WebSocket(`ws://127.0.0.1:${port}${VNC_PATH}`, protocols, {
    headers: { host },
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

function getPage(
  host: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path: PAGE_PATH, headers: { host, ...headers } },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  const image = execFileSync("bash", [path.join(root, "infra/scripts/build-employee-image.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  removeTestEmployees(PREFIX);
  runtime = new DockerRuntime({
    socketPath: "/var/run/docker.sock",
    image,
    memoryMb: 2048,
    cpus: 1,
    pidsLimit: 512,
    network: "instantworker-browser-view-test",
    teamFilesRoot: path.join(stateDir, "team-files"),
    sandbox: "runc",
    disksRoot: testDisksRoot(PREFIX),
    log,
    // No model here: OpenClaw only has to become healthy; the browser does not need it.
    configure: async (s) => {
      const proxyAddress = await runtime.proxyAddress();
      return workspaceEntries(s, { proxyAddress, llmBaseUrl: `http://${proxyAddress}:9/v1` });
    },
  });
  await runtime.prepare({ relayPort: 9 });
  await runtime.provision({
    employeeId: employeeA,
    accountId: "account-1",
    name: "Ada",
    role: "researcher",
    tone: "concise",
    skills: [],
  });
  server = await startAccessProxy({
    port: 0,
    host: "127.0.0.1",
    key: await importVerifyKey(publicB64),
    runtime,
    cookieMode: "same-site",
    log,
  });
  port = (server.address() as AddressInfo).port;
}, READY_TIMEOUT_MS.runc + 900_000);

afterAll(async () => {
  server?.close();
  removeTestEmployees(PREFIX);
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the browser view's WebSocket through the access proxy", () => {
  it("is admitted with the browser grant as a subprotocol and speaks RFB to the screen", async () => {
    // websockify may come up a moment after OpenClaw's health: the view retries, so does this.
    let ws: WebSocket | undefined;
    for (let i = 0; i < 30 && !ws; i++)
      ws = await openVnc(vncHost, await token()).catch(async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        return undefined;
      });
    if (!ws) throw new Error("websockify never answered");
    // The container chose noVNC's protocol; the grant's never reached it.
    expect(ws.protocol).toBe(VNC_PROTOCOL);
    const shot = await rfbSnapshot(ws);
    ws.close();
    expect([shot.width, shot.height]).toEqual([1280, 800]);
    writeFileSync(snapshotFile, toPng(shot));
    console.log(`[browser-view] screen ${shot.width}x${shot.height} saved to ${snapshotFile}`);
    // Below the toolbar, about:blank is white where Chromium would put its warning bar ("You are
    // using an unsupported command-line flag: --no-sandbox", at y 88–143 before the flags; the
    // window's 1 px frame on the right is left out).
    let marked = 0;
    for (let y = 95; y < 140; y++)
      for (let x = 0; x < shot.width - 10; x++) {
        const i = (y * shot.width + x) * 4;
        if (Math.min(shot.rgba[i] ?? 0, shot.rgba[i + 1] ?? 0, shot.rgba[i + 2] ?? 0) < 240)
          marked++;
      }
    expect(marked).toBe(0);
  });

  it("is refused without a grant, with an expired one, another employee's or the chat's", async () => {
    await expect(openVnc(vncHost)).rejects.toThrow(/HTTP 401/);
    await expect(openVnc(vncHost, await token({ x: Date.now() - 1 }))).rejects.toThrow(/401/);
    await expect(openVnc(vncHost, await token({ e: employeeB }))).rejects.toThrow(/401/);
    await expect(openVnc(vncHost, await token({ s: "chat" }))).rejects.toThrow(/401/);
    const forged = `${(await token()).slice(0, -4)}AAAA`;
    await expect(openVnc(vncHost, forged)).rejects.toThrow(/401/);
    // A grant for A on B's host opens nothing either.
    await expect(openVnc(`${employeeB}.vnc.localhost`, await token())).rejects.toThrow(/401/);
  });
});

describe("the page the browser shows (/__iw/page)", () => {
  it("reports the title and address of the tab on screen to a holder of the grant", async () => {
    const title = `Hello from ${PREFIX}`;
    const address = `data:text/html,<title>${encodeURIComponent(title)}</title>hi`;
    // A new tab comes to the front, as when the employee opens a page.
    docker(
      "exec",
      `iw-employee-${employeeA}`,
      "curl",
      "-fsS",
      "-X",
      "PUT",
      `http://127.0.0.1:18800/json/new?${encodeURIComponent(address)}`,
    );
    const auth = { authorization: `Bearer ${await token()}` };
    // Until the page has parsed its <title>, Chromium names the tab by its address (which holds
    // the title's words too): wait for the title itself.
    const titled = (body: string) => {
      try {
        return (JSON.parse(body) as { title?: string }).title === title;
      } catch {
        return false;
      }
    };
    let page = await getPage(vncHost, auth);
    for (let i = 0; i < 20 && !titled(page.body); i++) {
      await new Promise((r) => setTimeout(r, 500));
      page = await getPage(vncHost, auth);
    }
    expect(page.status).toBe(200);
    expect(JSON.parse(page.body)).toEqual({
      title,
      url: expect.stringMatching(/^data:text\/html,/),
    });
    expect(page.headers["access-control-allow-origin"]).toBe("*");
  });

  it("answers a preflight, and 401 without a grant, with another employee's, expired or chat's", async () => {
    const preflight = await getPage(vncHost, { origin: "https://app.example" }, "OPTIONS");
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-headers"]).toBe("authorization");
    expect((await getPage(vncHost)).status).toBe(401);
    for (const claims of [{ e: employeeB }, { x: Date.now() - 1 }, { s: "chat" as const }]) {
      const bearer = { authorization: `Bearer ${await token(claims)}` };
      expect((await getPage(vncHost, bearer)).status).toBe(401);
    }
    const onB = { authorization: `Bearer ${await token()}` };
    expect((await getPage(`${employeeB}.vnc.localhost`, onB)).status).toBe(401);
  });
});

// A page of its own origin (as the app's is) that runs noVNC's RFB exactly as the browser view
// does, from the npm package the app bundles.
const viewerPage = `<!doctype html><meta charset="utf-8"><title>viewer</title>
<div id="screen" style="width:1280px;height:800px"></div>
<script type="module">
import RFB from "/novnc/core/rfb.js";
const q = new URLSearchParams(location.search);
const rfb = new RFB(document.getElementById("screen"), q.get("ws"), {
  shared: true, wsProtocols: ["${VNC_PROTOCOL}", "${ACCESS_PROTOCOL_PREFIX}" + q.get("token")],
});
rfb.viewOnly = true;
rfb.scaleViewport = true;
rfb.addEventListener("connect", () => { document.title = "connected"; });
rfb.addEventListener("disconnect", (e) => { document.title = "closed " + e.detail.clean; });
const res = await fetch(q.get("page"), { headers: { authorization: "Bearer " + q.get("token") } });
window.pageAnswer = { status: res.status, body: await res.json() };
</script>`;

describe("noVNC's RFB in Chromium, from another origin", () => {
  it("connects view-only through the proxy with the grant as a subprotocol and reads the page", async () => {
    const novnc = path.join(root, "node_modules/@novnc/novnc");
    const pages = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://viewer");
      if (url.pathname === "/") {
        res.writeHead(200, { "content-type": "text/html" });
        return void res.end(viewerPage);
      }
      const file = path.resolve(novnc, `.${url.pathname.replace(/^\/novnc/, "")}`);
      if (!url.pathname.startsWith("/novnc/") || !file.startsWith(novnc))
        return void res.writeHead(404).end();
      try {
        res.writeHead(200, { "content-type": "text/javascript" });
        res.end(readFileSync(file));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => pages.listen(0, "127.0.0.1", r));
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const q = new URLSearchParams({
        ws: `ws://${vncHost}:${port}${VNC_PATH}`,
        page: `http://${vncHost}:${port}${PAGE_PATH}`,
        token: await token(),
      });
      const { port: pagesPort } = pages.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${pagesPort}/?${q}`);
      // Strings, not functions: they run in the page, and this file's types know no DOM.
      await page.waitForFunction('document.title !== "viewer"', null, { timeout: 30_000 });
      expect(await page.title()).toBe("connected");
      await page.waitForFunction('"pageAnswer" in window', null, { timeout: 10_000 });
      const answer = await page.evaluate("window.pageAnswer");
      expect(answer).toMatchObject({ status: 200, body: { title: expect.any(String) } });
      // noVNC drew into our element: one canvas, no page of its own around it.
      await page.waitForTimeout(1_000);
      expect(await page.locator("#screen canvas").count()).toBe(1);
      const shot = snapshotFile.replace(/\.png$/, "-novnc.png");
      await page.screenshot({ path: shot });
      console.log(`[browser-view] noVNC in Chromium: ${JSON.stringify(answer)}; saved ${shot}`);
    } finally {
      await browser.close();
      pages.close();
    }
  });
});
