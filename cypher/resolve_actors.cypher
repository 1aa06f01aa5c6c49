// name: resolve_actors
// description: >-
//   The nodes of the given labels with what duplicate matching compares: names in English
//   (or pinyin) and Chinese, place, an agency's system and level, a funder's kind, the
//   package that loaded it and the aliases it already has. `graphmodel resolve` reads it.
// page: {key: id, labels: labels}
// params:
//   labels: {type: string_list, default: [NGO, Agency, Village, School, Funder, Company, Public], description: "Labels to read, e.g. Agency;Village (default: every actor label)."}
// the nodes of this run (a window of the page: nodes of those labels in id order), each found by its internal id
{{in_page(anchor)}}
MATCH (n)
WHERE id(n) = anchor AND any(l IN labels(n) WHERE l IN $labels) AND NOT n:Staged
RETURN n.id AS id, [l IN labels(n) WHERE l IN $labels][0] AS label, n.name AS name, n.name_zh AS name_zh,
  n.province AS province, n.county AS county, n.township AS township, n.system AS system, n.level AS level,
  n.kind AS kind, n._package AS package, n.aliases AS aliases
ORDER BY id, label
