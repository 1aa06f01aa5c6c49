// name: find_actor
// description: >-
//   Find actors by id, by an alias (an id merged into it by a resolution decision), or by
//   part of a name in English, pinyin or Chinese.
// params:
//   q: {type: string, default: null, description: "An id, an alias, or part of a name (case does not matter); none gives no rows."}
// notes: >-
//   An id that a decision merged into another node finds that node, with `matched`
//   saying how it was found (id, alias or name).
MATCH (n)
WHERE NOT n:Staged AND NOT n:Package
  AND (n.id = $q OR $q IN coalesce(n.aliases, []) OR toLower(n.name) CONTAINS toLower($q)
    OR n.name_zh CONTAINS $q)
RETURN n.id AS id, labels(n)[0] AS label, n.name AS name, n.name_zh AS name_zh, n.aliases AS aliases,
  CASE WHEN n.id = $q THEN 'id' WHEN $q IN coalesce(n.aliases, []) THEN 'alias' ELSE 'name' END AS matched,
  n._package AS package
ORDER BY id
