// A widget's settings come from three places, applied in this order onto its form: a preset, the
// tag's attributes, the page address (`#vae.seed=7`). Each value is checked against the form
// before anything trains: a name the widget does not have, a choice that is not in its menu or a
// number that is not a number is a readable error (the range checks are Rust's, see config.rs).

/** The named controls of `form` (the settings a config is built from). */
export function settingNames(form) {
  return [...form.elements].filter((e) => e.name).map((e) => e.name);
}

/** The form's current settings, `{ name: string }`. */
export function currentSettings(form) {
  return Object.fromEntries(settingNames(form).map((name) => [name, form.elements[name].value]));
}

/** Put `values` (`{ name: string }`) into `form`; `where` names their source in an error. */
export function applyValues(form, values, where) {
  const names = settingNames(form);
  for (const [name, raw] of Object.entries(values)) {
    const value = String(raw);
    const field = names.includes(name) ? form.elements[name] : null;
    if (!field) {
      throw new Error(`${where}: "${name}" is not a setting of this widget (it has ${names.join(", ")})`);
    }
    if (field.tagName === "SELECT") {
      const options = [...field.options].map((o) => o.value);
      if (!options.includes(value)) {
        throw new Error(`${where}: ${name}="${value}" is not one of ${options.join(", ")}`);
      }
    } else if (field.type === "number" && (value.trim() === "" || !Number.isFinite(Number(value)))) {
      throw new Error(`${where}: ${name}="${value}" is not a number`);
    }
    field.value = value;
  }
}
