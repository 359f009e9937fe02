// Widget settings mirrored in the URL hash (`#rotation.seed=7&rotation.batch_size=64`), so a
// copied link reproduces a run.

export function readHash(prefix) {
  const params = new URLSearchParams(location.hash.slice(1));
  const out = {};
  for (const [key, value] of params) {
    if (key.startsWith(`${prefix}.`)) out[key.slice(prefix.length + 1)] = value;
  }
  return out;
}

export function writeHash(prefix, values, fields) {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const f of fields) params.set(`${prefix}.${f}`, values[f]);
  history.replaceState(null, "", `#${params}`);
}

/** A page-level setting such as `?backend=cpu`. */
export function query(name, fallback) {
  return new URLSearchParams(location.search).get(name) ?? fallback;
}
