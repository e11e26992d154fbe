import { For, Show } from "solid-js";
import type { Catalogue } from "../../../edge/contract/catalogue.ts";
import { checkName, EMPLOYEE_NAME_RULES } from "../../../edge/protocol/check-name.ts";
import { catalogueText } from "../i18n/catalogue-text.ts";
import { useI18n } from "../i18n/i18n.tsx";
import "../styles/polish.css";

// Choice lists shared by onboarding and the hire dialog: real radio buttons and checkboxes, so
// keyboard and screen readers work without extra code (the input's own checked state is what
// they announce). A chosen card is marked for the eye too: a border and a check mark, not colour
// alone.

function ChosenMark(props: { when: boolean }) {
  const { t } = useI18n();
  return (
    <Show when={props.when}>
      <span class="chosen-mark" aria-hidden="true" title={t("choice.chosen")}>
        ✓
      </span>
    </Show>
  );
}
export function RolePicker(props: {
  catalogue: Catalogue;
  value: string;
  onChange: (id: string) => void;
  legend: string;
}) {
  const { lang } = useI18n();
  return (
    <fieldset class="choices">
      <legend>{props.legend}</legend>
      <For each={props.catalogue.roles}>
        {(role) => (
          <label class="choice" classList={{ chosen: props.value === role.id }}>
            <input
              type="radio"
              name="role"
              value={role.id}
              checked={props.value === role.id}
              onChange={() => props.onChange(role.id)}
            />
            <span>
              <strong>{catalogueText(lang, "role", role.id, role).name}</strong>
              <small>{catalogueText(lang, "role", role.id, role).description}</small>
            </span>
            <ChosenMark when={props.value === role.id} />
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
  const { lang } = useI18n();
  const toggle = (id: string, on: boolean) =>
    props.onChange(
      on ? [...props.value.filter((s) => s !== id), id] : props.value.filter((s) => s !== id),
    );
  return (
    <fieldset class="choices">
      <legend>{props.legend}</legend>
      <For each={props.catalogue.skills}>
        {(skill) => (
          <label class="choice" classList={{ chosen: props.value.includes(skill.id) }}>
            <input
              type="checkbox"
              name="skills"
              value={skill.id}
              checked={props.value.includes(skill.id)}
              onChange={(e) => toggle(skill.id, e.currentTarget.checked)}
            />
            <span>
              <strong>{catalogueText(lang, "skill", skill.id, skill).name}</strong>
              <small>{catalogueText(lang, "skill", skill.id, skill).description}</small>
            </span>
            <ChosenMark when={props.value.includes(skill.id)} />
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
  const { lang } = useI18n();
  return (
    <label class="field">
      <span>{props.label}</span>
      <select
        name="tone"
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <For each={props.catalogue.tones}>
          {(tone) => (
            <option value={tone.id}>{catalogueText(lang, "tone", tone.id, tone).name}</option>
          )}
        </For>
      </select>
    </label>
  );
}

// The API's own name check (edge/protocol/check-name.ts): the form refuses what the edge would.
export const MAX_NAME_LENGTH = EMPLOYEE_NAME_RULES.maxLength;
export const nameIsValid = (name: string) => checkName(name, EMPLOYEE_NAME_RULES).ok;

export function NameField(props: {
  label: string;
  value: string;
  onInput: (name: string) => void;
  /** The id of a text saying what the name still needs. */
  describedBy?: string;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        name="name"
        maxlength={MAX_NAME_LENGTH}
        required
        aria-describedby={props.describedBy}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </label>
  );
}
