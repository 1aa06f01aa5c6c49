// name: motivations
// description: >-
//   Table 3 of the paper. For each motivation, how many NGOs mentioned it (in any
//   coded interview) and what share of the NGOs in scope that is, optionally split
//   by province, registration or issue area.
// params:
//   by: {type: string, default: null, choices: [province, registration, issue_area], description: Split the NGOs into groups by this property.}
//   package: {type: string, default: null, description: "Only NGOs this package asserts (alone or with others)."}
//   round: {type: integer, default: null, description: Only codes from interviews of this fieldwork round.}
//   basis: {type: string, default: null, choices: [stated, illustrative], description: "Only codes with this basis: stated keeps to the interviews the paper cites for the motivation."}
MATCH (:Interview)-[m:MENTIONS]->(mo:Motivation)
// Who mentioned what, once per NGO and motivation, each NGO found by its id (index).
WHERE ($round IS NULL OR m.round = $round) AND ($basis IS NULL OR m.basis = $basis)
WITH DISTINCT m.ngo AS ngo, mo.id AS motivation
MATCH (n:NGO {id: ngo})
WHERE $package IS NULL OR {{asserted_by(n)}}
WITH n, motivation
WITH motivation, CASE $by
    WHEN 'province' THEN n.province
    WHEN 'registration' THEN n.registration
    WHEN 'issue_area' THEN n.issue_area
    ELSE 'all' END AS grp, count(n) AS ngos
// mentioned: [group, motivation id, NGOs] triples.
WITH collect([grp, motivation, ngos]) AS mentioned
// The groups and their sizes, then every motivation in every group.
MATCH (n:NGO)
WHERE $package IS NULL OR {{asserted_by(n)}}
WITH mentioned, CASE $by
    WHEN 'province' THEN n.province
    WHEN 'registration' THEN n.registration
    WHEN 'issue_area' THEN n.issue_area
    ELSE 'all' END AS grp, count(n) AS ngos_in_group
MATCH (mo:Motivation)
WITH grp, ngos_in_group, mo,
  [c IN mentioned WHERE c[1] = mo.id AND (c[0] = grp OR (c[0] IS NULL AND grp IS NULL)) | c[2]] AS hits
WITH grp, ngos_in_group, mo, CASE WHEN size(hits) = 0 THEN 0 ELSE hits[0] END AS ngos
RETURN grp AS group, mo.id AS motivation, mo.name AS name, mo.name_zh AS name_zh,
       ngos, ngos_in_group AS of_ngos, round(1000.0 * ngos / ngos_in_group) / 10.0 AS percent
ORDER BY group, ngos DESC, motivation
