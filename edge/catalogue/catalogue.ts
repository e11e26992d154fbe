import { roles, skills, tones } from "../../templates/catalogue.ts";
import { plans } from "../billing/plans.ts";
import type { Catalogue } from "../contract/catalogue.ts";
import { STEP_IDS, STEP_TEXT } from "../contract/steps.ts";

// What a visitor may see before signing up: the landing page, onboarding and the hire dialog all
// read this one object. It also carries the English text of each lifecycle step by id.
export function catalogue(): Catalogue {
  return {
    plans: [...plans],
    roles: [...roles],
    skills: [...skills],
    tones: [...tones],
    steps: STEP_IDS.map((id) => ({ id, name: STEP_TEXT[id] })),
  };
}
