import { roles, skills, tones } from "../../templates/catalogue.ts";
import { plans } from "../billing/plans.ts";

// What a visitor may see before signing up: the landing page, onboarding and the hire dialog all
// read this one object.
export function catalogue() {
  return { plans, roles, skills, tones };
}
