// name: motivations
// description: >-
//   Table 3 of the paper. For each motivation, how many NGOs mentioned it (in any
//   coded interview) and what share of the NGOs in scope that is, optionally split
//   by province, registration or issue area.
// params:
//   by: {type: string, default: null, choices: [province, registration, issue_area], description: Split the NGOs into groups by this property.}
//   package: {type: string, default: null, description: Only NGOs loaded by this package.}
//   round: {type: integer, default: null, description: Only codes from interviews of this fieldwork round.}
MATCH (n:NGO)
WHERE $package IS NULL OR n._package = $package
WITH n, CASE $by
    WHEN 'province' THEN n.province
    WHEN 'registration' THEN n.registration
    WHEN 'issue_area' THEN n.issue_area
    ELSE 'all' END AS grp
WITH grp, count(n) AS ngos_in_group, collect(n.id) AS ids
MATCH (mo:Motivation)
OPTIONAL MATCH (:Interview)-[m:MENTIONS]->(mo)
WHERE m.ngo IN ids AND ($round IS NULL OR m.round = $round)
WITH grp, ngos_in_group, mo, count(DISTINCT m.ngo) AS ngos
RETURN grp AS group, mo.id AS motivation, mo.name AS name, mo.name_zh AS name_zh,
       ngos, ngos_in_group AS of_ngos, round(1000.0 * ngos / ngos_in_group) / 10.0 AS percent
ORDER BY group, ngos DESC, motivation
