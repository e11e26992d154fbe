import { For } from "solid-js";
import type { Catalogue } from "../lib/types.ts";

// Choice lists shared by onboarding and the hire dialog: real radio buttons and checkboxes, so
// keyboard and screen readers work without extra code.
export function RolePicker(props: {
  catalogue: Catalogue;
  value: string;
  onChange: (id: string) => void;
  legend: string;
}) {
  return (
    <fieldset class="choices">
      <legend>{props.legend}</legend>
      <For each={props.catalogue.roles}>
        {(role) => (
          <label class="choice">
            <input
              type="radio"
              name="role"
              value={role.id}
              checked={props.value === role.id}
              onChange={() => props.onChange(role.id)}
            />
            <span>
              <strong>{role.name}</strong>
              <small>{role.description}</small>
            </span>
          </label>
        )}
      </For>
    </fieldset>
  );
}

export function SkillPicker(props: {
  catalogue: Catalogue;
  value: string[];
  onChange: (ids: string[]) => void;
  legend: string;
}) {
  const toggle = (id: string, on: boolean) =>
    props.onChange(
      on ? [...props.value.filter((s) => s !== id), id] : props.value.filter((s) => s !== id),
    );
  return (
    <fieldset class="choices">
      <legend>{props.legend}</legend>
      <For each={props.catalogue.skills}>
        {(skill) => (
          <label class="choice">
            <input
              type="checkbox"
              name="skills"
              value={skill.id}
              checked={props.value.includes(skill.id)}
              onChange={(e) => toggle(skill.id, e.currentTarget.checked)}
            />
            <span>
              <strong>{skill.name}</strong>
              <small>{skill.description}</small>
            </span>
          </label>
        )}
      </For>
    </fieldset>
  );
}

export function TonePicker(props: {
  catalogue: Catalogue;
  value: string;
  onChange: (id: string) => void;
  label: string;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select
        name="tone"
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <For each={props.catalogue.tones}>
          {(tone) => <option value={tone.id}>{tone.name}</option>}
        </For>
      </select>
    </label>
  );
}
