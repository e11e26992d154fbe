// Debian's Chromium, as every browser test and benchmark here launches it. Never a downloaded
// browser. The background-networking flags keep it from reaching for the internet, which this
// machine's closed network refuses.
export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
