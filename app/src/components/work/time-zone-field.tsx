import { createUniqueId, For, Show } from "solid-js";

// A time zone, searchable: a text field over the runtime's own list of IANA zones (a datalist,
// so typing "Ber" offers Europe/Berlin), checked against that list before it is sent.

let zones: string[] | undefined;
/** Every zone this browser knows (UTC too, which some list only as Etc/UTC). */
export function timeZones(): string[] {
  if (!zones) {
    const known =
      typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    zones = known.includes("UTC") ? known : ["UTC", ...known];
  }
  return zones;
}

/** The visitor's own zone, the form's default. */
export const browserTimeZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
};

export const isTimeZone = (zone: string): boolean => timeZones().includes(zone.trim());

export function TimeZoneField(props: {
  label: string;
  value: string;
  onInput: (zone: string) => void;
  error?: string | undefined;
  disabled?: boolean;
  name?: string;
}) {
  const list = createUniqueId();
  const error = createUniqueId();
  return (
    <>
      <label class="field">
        <span>{props.label}</span>
        <input
          name={props.name ?? "timeZone"}
          list={list}
          autocomplete="off"
          spellcheck={false}
          value={props.value}
          disabled={props.disabled}
          aria-invalid={props.error ? "true" : undefined}
          aria-describedby={props.error ? error : undefined}
          onInput={(e) => props.onInput(e.currentTarget.value)}
        />
        <datalist id={list}>
          <For each={timeZones()}>{(zone) => <option value={zone} />}</For>
        </datalist>
      </label>
      <Show when={props.error}>
        <p class="field-error" id={error}>
          {props.error}
        </p>
      </Show>
    </>
  );
}
