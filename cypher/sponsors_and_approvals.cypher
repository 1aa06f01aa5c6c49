// name: sponsors_and_approvals
// description: >-
//   Who sponsors and who approves whom: every SPONSORS and APPROVES tie from a
//   department to an NGO, with the department's level and system, what was
//   approved, dates, round and interviews. Sorted by NGO (the page key), then tie,
//   level (national first), system and department.
// page: {key: ngo, unless: [ngo], label: NGO}
// params:
//   ngo: {type: string, default: null, description: Only ties to this NGO.}
//   round: {type: integer, default: null, description: Only ties observed in this fieldwork round.}
//   level: {type: string, default: null, choices: [national, province, prefecture, county, township, village], description: Only departments at this level.}
// the NGO $ngo, or else the NGOs of this run (a window of the page): n
{{ngo_or_page}}
MATCH (a:Agency)-[r:SPONSORS|APPROVES]->(n)
WHERE ($round IS NULL OR r.round = $round)
  AND ($level IS NULL OR a.level = $level)
RETURN type(r) AS tie, a.level AS level, a.system AS system, a.id AS agency, a.name AS agency_name,
  n.id AS ngo, n.name AS ngo_name, n.registration AS registration, r.activity AS activity,
  r.start AS start, r.end AS end, r.round AS round, r.evidence AS evidence
ORDER BY ngo, CASE tie WHEN 'SPONSORS' THEN 0 ELSE 1 END,
  CASE level WHEN 'national' THEN 0 WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 WHEN 'county' THEN 3
    WHEN 'township' THEN 4 ELSE 5 END,
  system, agency, round, coalesce(start, ''), coalesce(activity, '')
