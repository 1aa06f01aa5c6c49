// name: gatekeepers
// description: >-
//   Departments ranked by how many NGO-to-village (or school) chains through the state
//   pass through them, with how many NGOs and villages or schools those chains serve.
// params:
//   round: {type: integer, default: null, description: Only chains observed in this fieldwork round.}
//   limit: {type: integer, default: 20, description: How many departments to list.}
// notes: >-
//   Chains are those of access_paths (route `state`), counted once per round in which
//   they were observed. The department at the head of a chain (the one the NGO
//   cooperates with) counts as well as every body below it. Ties in the ranking are
//   broken by NGOs, then villages and schools, then id.
MATCH p = (n:NGO)-[:COOPERATES_WITH]->(:Agency)-[:MOBILIZES*1..6]->(t)
WHERE (t:Village OR t:School)
  AND ALL(r IN tail(relationships(p)) WHERE r.on_behalf_of = n.id AND r.round = head(relationships(p)).round)
  AND ($round IS NULL OR head(relationships(p)).round = $round)
UNWIND nodes(p)[1..-1] AS a
WITH a, count(p) AS chains, count(DISTINCT n) AS ngos, count(DISTINCT t) AS targets
RETURN a.id AS agency, a.name AS name, a.system AS system, a.level AS level, chains, ngos, targets
ORDER BY chains DESC, ngos DESC, targets DESC, agency
LIMIT $limit
