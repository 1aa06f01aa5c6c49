// name: sample_profile
// description: >-
//   Table 1 of the paper: the NGO sample by province (and in total): issue area,
//   registration, average age, founder origin, core staff and scope.
// notes: >-
//   The average age is sum / count rather than avg(): Neo4j's avg() accumulates a running
//   mean (13.249999999999998 for Yunnan's 106 / 8), which rounds to 13.2 where FalkorDB's
//   exact 13.25 rounds to 13.3.
// params:
//   year: {type: integer, default: 2010, description: Year ages are counted to (the first fieldwork round).}
//   package: {type: string, default: null, description: "Only NGOs this package asserts (alone or with others)."}
MATCH (n:NGO)
WHERE $package IS NULL OR {{asserted_by(n)}}
UNWIND [n.province, 'Total'] AS province
WITH province, n
RETURN province,
  count(n) AS ngos,
  count(CASE WHEN n.issue_area = 'environment' THEN 1 END) AS environment,
  count(CASE WHEN n.issue_area = 'education' THEN 1 END) AS education,
  count(CASE WHEN n.registration = 'ngo' THEN 1 END) AS registered_ngo,
  count(CASE WHEN n.registration = 'business' THEN 1 END) AS registered_business,
  count(CASE WHEN n.registration = 'unregistered' THEN 1 END) AS unregistered,
  round(10.0 * sum($year - n.founded) / count(n.founded)) / 10.0 AS average_age,
  count(CASE WHEN n.founder_origin = 'same_locality' THEN 1 END) AS founder_same_locality,
  count(CASE WHEN n.founder_origin = 'same_province' THEN 1 END) AS founder_same_province,
  count(CASE WHEN n.founder_origin = 'other_province' THEN 1 END) AS founder_other_province,
  count(CASE WHEN n.core_staff < 5 THEN 1 END) AS staff_under_5,
  count(CASE WHEN n.core_staff >= 5 AND n.core_staff <= 10 THEN 1 END) AS staff_5_to_10,
  count(CASE WHEN n.core_staff > 10 THEN 1 END) AS staff_over_10,
  count(CASE WHEN n.scope = 'urban' THEN 1 END) AS urban,
  count(CASE WHEN n.scope = 'rural' THEN 1 END) AS rural,
  count(CASE WHEN n.scope = 'both' THEN 1 END) AS urban_and_rural
ORDER BY CASE province WHEN 'Total' THEN 1 ELSE 0 END, province
