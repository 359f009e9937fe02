// A widget's settings in the page address, so that a copied link reproduces a run:
// `#rotation.seed=7&rotation.batch_size=64` (or the same in the query string, where the hash is
// the host's: a slide deck's `#/3`, a docs page's anchor). A widget reads only the parameters
// named after its own id and leaves every other part of the address as it is, byte for byte;
// it writes the address only where the page asked for it (`address="sync"`, see playground.js).

/** A `key=value` part of the address, decoded; null if it is not one (or not decodable: not ours). */
function pair(part) {
  const at = part.indexOf("=");
  if (at < 0) return null;
  try {
    return {
      key: decodeURIComponent(part.slice(0, at).replaceAll("+", " ")),
      value: decodeURIComponent(part.slice(at + 1).replaceAll("+", " ")),
    };
  } catch {
    return null; // a host's own, differently encoded parameter
  }
}

/** Whether `part` is one of widget `prefix`'s settings. */
const mine = (part, prefix) => pair(part)?.key.startsWith(`${prefix}.`) ?? false;

/** `prefix.name=value` pairs of `text` (a query string or a hash without its first character). */
function own(text, prefix) {
  const out = {};
  for (const part of text.split("&")) {
    if (mine(part, prefix)) {
      const { key, value } = pair(part);
      out[key.slice(prefix.length + 1)] = value;
    }
  }
  return out;
}

/** The parts of `text` that are not `prefix.`'s, untouched. */
function others(text, prefix) {
  return text.split("&").filter((part) => part && !mine(part, prefix));
}

const encode = (prefix, values) =>
  Object.entries(values).map(([k, v]) => `${encodeURIComponent(`${prefix}.${k}`)}=${encodeURIComponent(v)}`);

/** The settings of widget `prefix` in the page address: query string, then hash (which wins). */
export function readAddress(prefix) {
  return { ...own(location.search.slice(1), prefix), ...own(location.hash.slice(1), prefix) };
}

/**
 * Write widget `prefix`'s `fields` of `values` into the hash, keeping every other part of the
 * address and the history entry's state (a host's router keeps its own there).
 */
export function writeHash(prefix, values, fields) {
  const settings = Object.fromEntries(fields.map((f) => [f, values[f]]));
  const hash = [...others(location.hash.slice(1), prefix), ...encode(prefix, settings)].join("&");
  history.replaceState(history.state, "", `${location.pathname}${location.search}#${hash}`);
}

/** Whether a part of the address is a widget setting (`id.name=value`), not the host's own. */
const isSetting = (part) => /^[A-Za-z][\w-]*\.\w+=/.test(part);

/**
 * A link to this page with widget `prefix`'s `settings` (and no other widget's), without going
 * there. When the page's hash is the host's own (a slide, an anchor) the settings go into the
 * query string instead, so that the link still opens the same slide or anchor.
 */
export function linkWith(prefix, settings) {
  const url = new URL(location.href);
  const host = url.hash.slice(1).split("&").filter((part) => part && !isSetting(part));
  if (host.length) {
    url.search = [...others(url.search.slice(1), prefix), ...encode(prefix, settings)].join("&");
  } else {
    url.hash = encode(prefix, settings).join("&");
  }
  return url.href;
}

/** A page-level setting such as `?backend=cpu`. */
export function query(name, fallback) {
  return new URLSearchParams(location.search).get(name) ?? fallback;
}
