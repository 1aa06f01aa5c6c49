// name: sponsors_and_approvals
// description: >-
//   Who sponsors and who approves whom: every SPONSORS and APPROVES tie from a
//   department to an NGO, with the department's level and system, what was
//   approved, dates, round and interviews. Sorted by tie, level (national first),
//   system, department and NGO.
// params:
//   ngo: {type: string, default: null, description: Only ties to this NGO.}
//   round: {type: integer, default: null, description: Only ties observed in this fieldwork round.}
//   level: {type: string, default: null, choices: [national, province, prefecture, county, township, village], description: Only departments at this level.}
CALL {
  // The NGO from the id index when $ngo is given, else every NGO (the UNWIND keeps
  // this second branch from running when $ngo is given).
  MATCH (n:NGO {id: $ngo})
  RETURN n
  UNION ALL
  UNWIND CASE WHEN $ngo IS NULL THEN [1] ELSE [] END AS every_ngo
  MATCH (n:NGO)
  RETURN n
}
// FalkorDB treats n as unbound in a MATCH right after a CALL with UNION: WITH first.
WITH n
MATCH (a:Agency)-[r:SPONSORS|APPROVES]->(n)
WHERE ($round IS NULL OR r.round = $round)
  AND ($level IS NULL OR a.level = $level)
RETURN type(r) AS tie, a.level AS level, a.system AS system, a.id AS agency, a.name AS agency_name,
  n.id AS ngo, n.name AS ngo_name, n.registration AS registration, r.activity AS activity,
  r.start AS start, r.end AS end, r.round AS round, r.evidence AS evidence
ORDER BY CASE tie WHEN 'SPONSORS' THEN 0 ELSE 1 END,
  CASE level WHEN 'national' THEN 0 WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 WHEN 'county' THEN 3
    WHEN 'township' THEN 4 ELSE 5 END,
  system, agency, ngo, round, coalesce(start, ''), coalesce(activity, '')
