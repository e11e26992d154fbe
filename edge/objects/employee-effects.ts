import { errorFields } from "../log/logger.ts";
import { configure, sendCommand, syncKnowledge } from "./employee-commands.ts";
import { forgetEverywhere, releaseSlot } from "./employee-removal.ts";
import type { LifecycleEffect, LifecycleInput } from "./lifecycle-effects.ts";
import { revokeLlmKeys } from "./llm-keys.ts";
import { placeRecord } from "./placement.ts";
import { performRelocationEffect, type RelocationContext } from "./relocation-effects.ts";

// What an EmployeeDO does for each effect of a transition (employee-lifecycle.ts decides them),
// once the transition is stored. Answers the input the effect feeds back to the lifecycle, if any.

export interface EffectContext extends RelocationContext {
  /** The node removed container and volume: the object forgets everything. */
  finishRemoval: () => Promise<void>;
}

export async function performEffect(
  c: EffectContext,
  effect: LifecycleEffect,
): Promise<LifecycleInput | null> {
  const r = c.current();
  switch (effect.type) {
    case "then":
      return effect.input;
    case "log":
      c.log[effect.level](effect.message, effect.fields);
      return null;
    case "revoke_keys":
      await revokeLlmKeys(c.env, effect.employeeId, c.now());
      return null;
    case "forget":
      await forgetEverywhere(c.env, effect.employeeId, c.now());
      return null;
    case "release_slot":
      await releaseSlot(c.env, c.log, effect.nodeId, effect.employeeId);
      return null;
    case "place":
      return r ? await placeRecord(c.env, c.log, r, effect, c.now()) : null;
    case "command":
      if (r) await sendCommand(c, r, effect);
      return null;
    case "configure":
      if (r) await configure(c, r);
      return null;
    case "sync_knowledge":
      await syncKnowledge(c.env, r).catch((err: unknown) =>
        c.log.warn("knowledge sync could not be queued", errorFields(err)),
      );
      return null;
    case "finish_removal":
      await c.finishRemoval();
      return null;
    default:
      return performRelocationEffect(c, effect);
  }
}
