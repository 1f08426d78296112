/**
 * DEBUG_CONSISTENCY_GROUPS: named groups of components whose state must agree, besides
 * the implicit one per component type. Format: `name=type/id,type/id;name2=…`.
 */
export function parseConsistencyGroups(spec: string | undefined): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  if (!spec) return groups;
  for (const entry of spec
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf('=');
    const name = entry.slice(0, separator).trim();
    const members = entry
      .slice(separator + 1)
      .split(',')
      .map((member) => member.trim())
      .filter(Boolean);
    if (name && members.length > 0) groups.set(name, members);
  }
  return groups;
}

export const CONSISTENCY_GROUPS_PATTERN =
  /^\s*$|^\s*[^=;,\s]+=[^/=;,\s]+\/[^=;,\s]+(,[^/=;,\s]+\/[^=;,\s]+)*(\s*;\s*[^=;,\s]+=[^/=;,\s]+\/[^=;,\s]+(,[^/=;,\s]+\/[^=;,\s]+)*)*\s*;?\s*$/;
