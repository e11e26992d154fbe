// "Chrome on macOS": the few words the sessions page shows for a User-Agent. Enough for a person
// to tell their laptop from their phone, not a fingerprint; a User-Agent is whatever the client
// says, so the answer only ever names something from these lists (or a short product token).

// First match wins: browsers built on others name the base too (Edge says Chrome and Safari).
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\b(?:OPR|Opera|OPT)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\bVivaldi\//, "Vivaldi"],
  [/\bYaBrowser\//, "Yandex Browser"],
  [/\b(?:Firefox|FxiOS)\//, "Firefox"],
  [/\b(?:CriOS|Chrome|Chromium)\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/\b(?:iPhone|iPad).*\bAppleWebKit\//, "Safari"],
];

// iPhone and iPad before macOS: their User-Agents say "like Mac OS X".
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bWindows\b/, "Windows"],
  [/\biPhone\b|\biPod\b/, "iOS"],
  [/\biPad\b/, "iPadOS"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b|\bX11\b/, "Linux"],
];

// A client that is not a browser usually starts with its name: "curl/8.5.0", "okhttp/4.12".
const PRODUCT = /^([A-Za-z][A-Za-z0-9._-]{0,23})\/\d/;

export const UNKNOWN_DEVICE = "Unknown device";

function first(list: ReadonlyArray<readonly [RegExp, string]>, ua: string): string | undefined {
  return list.find(([pattern]) => pattern.test(ua))?.[1];
}

export function deviceName(userAgent: string | null | undefined): string {
  const ua = userAgent?.slice(0, 300) ?? "";
  const browser = first(BROWSERS, ua);
  const system = first(SYSTEMS, ua);
  if (browser && system) return `${browser} on ${system}`;
  if (browser || system) return (browser ?? system) as string;
  const product = PRODUCT.exec(ua)?.[1];
  if (product && product !== "Mozilla") return product;
  return UNKNOWN_DEVICE;
}
