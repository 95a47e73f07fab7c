#!/usr/bin/env python3
"""Benchmark: `gongzhi monitor` (change spots between two versions of a land-use layer, every rule
of data/monitoring.json applied) versus the equivalent PostGIS queries on the same data, in the
same run.

The data: the demo county (`gongzhi demo --polygons N`, default 1,000,000) with its change survey
(land_use version 2: the projects' plans done or half done, a deviation, and --change-share of the
map spots changed elsewhere, a quarter of those split so that they are matched by geometry).

Both versions, the control layers (permanent basic farmland, urban development boundary, village
plan construction zones), the platform projects' plans and the class table are loaded into
PostGIS (not timed). Then, each --runs times, alternately:
  * gongzhi monitor --db F --layer land_use --from-version 1 --to-version 2 --format json
  * PostGIS: the same comparison in SQL: spots matched by BSM (same geometry, other class) plus
    the overlay of the changed features of both versions (ST_Intersection in the Gauss-Krueger
    zone), land only one version holds (ST_Difference of a changed feature and the union of the
    other version's changed features it meets: class 'none' on the other side),
    ellipsoidal ST_Area(geography) on CGCS2000, and every rule: cultivated land lost,
    非农化 / 非粮化 inside the farmland, new construction outside the boundary and the village
    construction zones, deviation from the plans of approved projects, new cultivated land of
    completed projects against the survey.
It prints the medians, their ratio, and compares the results (number of spots, area by rule).

Usage: bench/monitor_postgis.py [--db F | --polygons N] [--conninfo C] [--runs 3]
The conninfo defaults to $GONGZHI_PG_CONNINFO (scripts/pg.sh start DIR PORT prints one).
"""
import argparse
import csv
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


def psql(conninfo, sql, stdout=None, stdin=None):
    cmd = ["psql", conninfo, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-c", "SET client_min_messages = warning", "-c", sql]
    subprocess.run(cmd, check=True, stdout=stdout or subprocess.DEVNULL, stdin=stdin)


def copy_rows(conninfo, table, columns, rows):
    proc = subprocess.Popen(["psql", conninfo, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-c",
                             f"COPY {table}({', '.join(columns)}) FROM STDIN"], stdin=subprocess.PIPE, text=True)
    n = 0
    for row in rows:
        proc.stdin.write("\t".join("\\N" if v is None else str(v).replace("\\", "\\\\").replace("\t", " ")
                                   .replace("\n", " ") for v in row) + "\n")
        n += 1
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit(f"loading {table} into PostGIS failed")
    return n


def text(v):
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def first(attrs, *names):
    lower = {k.lower(): v for k, v in attrs.items()}
    for n in names:
        v = lower.get(n.lower())
        if v not in (None, ""):
            return text(v)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="Gongzhi SQLite file with land_use v1 and v2 (made with gongzhi demo when missing)")
    ap.add_argument("--polygons", type=int, default=1000000)
    ap.add_argument("--change-share", type=float, default=0.02)
    ap.add_argument("--conninfo", default=os.environ.get("GONGZHI_PG_CONNINFO"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--gongzhi", default=os.path.join(HERE, "..", "build", "gongzhi"))
    ap.add_argument("--skip-load", action="store_true", help="reuse the PostGIS tables of a previous run on the same --db")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    if not args.conninfo:
        sys.exit("no PostgreSQL: pass --conninfo or set GONGZHI_PG_CONNINFO (scripts/pg.sh start DIR PORT)")

    work_dir = tempfile.TemporaryDirectory(prefix="gongzhi-monitor-bench-")
    work = work_dir.name
    db_path = args.db or os.path.join(work, f"demo{args.polygons}.sqlite")
    if not os.path.exists(db_path):
        print(f"making the demo county with {args.polygons} land-use polygons and its change survey ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run([args.gongzhi, "demo", "--out", db_path, "--polygons", str(args.polygons),
                        "--change-share", str(args.change_share)], check=True, stdout=subprocess.DEVNULL)
        print(f"  demo made in {time.perf_counter() - t0:.0f} s", flush=True)

    db = sqlite3.connect(db_path)
    versions = {(name, v): (vid, kind) for vid, name, kind, v in db.execute(
        "SELECT v.id, l.name, l.kind, v.version FROM layer_version v JOIN layer l ON l.id = v.layer_id")}
    latest = {}
    for (name, v), (vid, kind) in versions.items():
        if name not in latest or v > latest[name][0]:
            latest[name] = (v, vid, kind)
    if ("land_use", 1) not in versions or ("land_use", 2) not in versions:
        sys.exit(f"{db_path} has no land_use versions 1 and 2")
    v1, v2 = versions[("land_use", 1)][0], versions[("land_use", 2)][0]
    lon = db.execute("SELECT (min(minx) + max(maxx)) / 2 FROM feature WHERE version_id = ?", (v1,)).fetchone()[0]
    gk = 4534 + round(lon / 3) - 25
    n1, n2 = (db.execute("SELECT count(*) FROM feature WHERE version_id = ?", (v,)).fetchone()[0] for v in (v1, v2))

    if not args.skip_load:
        print("loading both versions, control layers, plans and classes into PostGIS ...", flush=True)
        psql(args.conninfo, """
          DROP TABLE IF EXISTS mb_lu, mb_zone, mb_class, mb_project, mb_change;
          CREATE UNLOGGED TABLE mb_lu(version int, bsm text, dlbm text, wkb text, geom geometry(Geometry, 4490));
          CREATE UNLOGGED TABLE mb_zone(kind text, wkb text, geom geometry(Geometry, 4490), geom_gk geometry);
          CREATE UNLOGGED TABLE mb_class(code text PRIMARY KEY, count_as text, level1 text, kind text, grp text,
                                         cultivated boolean);
          CREATE UNLOGGED TABLE mb_project(code text, state text, claimed double precision, geojson text,
                                           geom geometry(Geometry, 4490));
          CREATE UNLOGGED TABLE mb_change(code text, from_code text, to_code text, geojson text,
                                          geom geometry(Geometry, 4490));""")

        def lu_rows(version, vid):
            for wkb, attrs in db.execute("SELECT hex(geom), attrs FROM feature WHERE version_id = ?", (vid,)):
                a = json.loads(attrs)
                yield version, first(a, "BSM"), first(a, "DLBM", "code", "class_code"), wkb, None
        copy_rows(args.conninfo, "mb_lu", ["version", "bsm", "dlbm", "wkb", "geom"], lu_rows(1, v1))
        copy_rows(args.conninfo, "mb_lu", ["version", "bsm", "dlbm", "wkb", "geom"], lu_rows(2, v2))

        planning_use = {}
        with open(os.path.join(DATA, "planning_classes.csv"), encoding="utf-8") as f:
            for row in csv.DictReader(f):
                planning_use[row["code"]] = row["zone_use"]

        def construction_zone(a):
            use = first(a, "zone_use", "YDYT", "GNFQ")
            if use:
                return use == "construction" or "建设" in use
            return planning_use.get(first(a, "GHDLBM") or "") == "construction"

        def zone_rows():
            for name, (v, vid, kind) in latest.items():
                if kind not in ("permanent_basic_farmland", "urban_development_boundary", "village_plan"):
                    continue
                for wkb, attrs in db.execute("SELECT hex(geom), attrs FROM feature WHERE version_id = ?", (vid,)):
                    if kind == "village_plan":
                        if not construction_zone(json.loads(attrs)):
                            continue
                        yield "village_construction", wkb, None, None
                    else:
                        yield kind, wkb, None, None
        copy_rows(args.conninfo, "mb_zone", ["kind", "wkb", "geom", "geom_gk"], zone_rows())

        with open(os.path.join(DATA, "land_use_classes.csv"), encoding="utf-8") as f:
            classes = [(r["code"], r["count_as"], r["level1_code"], r["kind"], r["group"], r["cultivated"] == "1")
                       for r in csv.DictReader(f)]
        # Land only one version holds: the class 'none', of no group and not cultivated.
        classes.append(("none", "none", "", "none", "", False))
        copy_rows(args.conninfo, "mb_class", ["code", "count_as", "level1", "kind", "grp", "cultivated"], classes)

        projects, changes = [], []
        has_projects = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'projects'").fetchone()[0]
        if has_projects:
            achieved = {}
            if db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'progress_indicators'").fetchone()[0]:
                for pid, a in db.execute("SELECT project_id, achieved FROM progress_indicators "
                                         "WHERE indicator = 'new_cultivated_land' AND achieved <> ''"):
                    achieved[pid] = float(a)
            for pid, code, state, plan in db.execute("SELECT id, code, state, plan_json FROM projects"):
                p = json.loads(plan or "{}")
                if not p.get("area"):
                    continue
                projects.append((code, state, achieved.get(pid), json.dumps(p["area"]), None))
                for c in p.get("changes", []):
                    if c.get("geometry"):
                        changes.append((code, c.get("from_code", ""), c.get("to_code", ""), json.dumps(c["geometry"]), None))
        copy_rows(args.conninfo, "mb_project", ["code", "state", "claimed", "geojson", "geom"], projects)
        copy_rows(args.conninfo, "mb_change", ["code", "from_code", "to_code", "geojson", "geom"], changes)
        psql(args.conninfo, f"""
          UPDATE mb_lu SET geom = ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4490), wkb = NULL;
          UPDATE mb_zone SET geom = ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4490), wkb = NULL;
          UPDATE mb_zone SET geom_gk = ST_Transform(geom, {gk});
          UPDATE mb_zone SET geom_gk = ST_CollectionExtract(ST_MakeValid(geom_gk), 3) WHERE NOT ST_IsValid(geom_gk);
          UPDATE mb_project SET geom = ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4490);
          UPDATE mb_change SET geom = ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4490);
          CREATE INDEX ON mb_lu(version, bsm);
          CREATE INDEX ON mb_lu USING gist(geom);
          CREATE INDEX ON mb_zone USING gist(geom);
          ANALYZE mb_lu; ANALYZE mb_zone; ANALYZE mb_class; ANALYZE mb_project; ANALYZE mb_change;""")

    rules = json.load(open(os.path.join(DATA, "monitoring.json"), encoding="utf-8"))["rules"]
    deviation_states = next(r["project_states"] for r in rules if r["type"] == "plan_deviation")
    shortfall_states = next(r["project_states"] for r in rules if r["type"] == "new_cultivated_shortfall")
    states = lambda s: ", ".join(f"'{x}'" for x in s)
    # The whole comparison as one script: temporary tables, then one CSV of (kind, key, value).
    query = f"""
      SET max_parallel_workers_per_gather = 2;
      SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
      CREATE TEMP TABLE a AS SELECT * FROM mb_lu WHERE version = 1;
      CREATE TEMP TABLE b AS SELECT * FROM mb_lu WHERE version = 2;
      CREATE INDEX ON a(bsm); CREATE INDEX ON b(bsm); ANALYZE a; ANALYZE b;
      -- pairs with one BSM in each version (a BSM twice in a version is matched by geometry)
      CREATE TEMP TABLE pair AS
        SELECT a.bsm, a.dlbm AS before, b.dlbm AS after, b.geom,
               ST_AsBinary(a.geom) = ST_AsBinary(b.geom) AS same_shape
        FROM a JOIN b USING (bsm)
        WHERE a.bsm IN (SELECT bsm FROM a GROUP BY bsm HAVING count(*) = 1)
          AND b.bsm IN (SELECT bsm FROM b GROUP BY bsm HAVING count(*) = 1);
      CREATE TEMP TABLE unchanged AS SELECT bsm FROM pair WHERE same_shape;
      CREATE INDEX ON unchanged(bsm);
      ANALYZE unchanged;
      CREATE TEMP TABLE ca AS SELECT * FROM a WHERE NOT EXISTS (SELECT 1 FROM unchanged u WHERE u.bsm = a.bsm);
      CREATE TEMP TABLE cb AS SELECT * FROM b WHERE NOT EXISTS (SELECT 1 FROM unchanged u WHERE u.bsm = b.bsm);
      CREATE INDEX ON ca USING gist(geom); CREATE INDEX ON cb USING gist(geom); ANALYZE ca; ANALYZE cb;
      CREATE TEMP TABLE spot AS
        SELECT before, after, geom FROM pair WHERE same_shape AND before <> after
        UNION ALL
        SELECT before, after, geom FROM (
          SELECT ca.dlbm AS before, cb.dlbm AS after,
                 ST_Transform(ST_CollectionExtract(ST_Intersection(ST_Transform(ca.geom, {gk}),
                                                                   ST_Transform(cb.geom, {gk})), 3), 4490) AS geom
          FROM cb JOIN ca ON ST_Intersects(ca.geom, cb.geom) AND ca.dlbm <> cb.dlbm) x
        WHERE ST_Area(geography(geom)) >= 1
        UNION ALL
        -- land only one version holds: added (none → class) and removed (class → none)
        SELECT 'none', dlbm, geom FROM (
          SELECT cb.dlbm, ST_Transform(ST_CollectionExtract(CASE WHEN u.g IS NULL THEN ST_Transform(cb.geom, {gk})
                   ELSE ST_Difference(ST_Transform(cb.geom, {gk}), u.g) END, 3), 4490) AS geom
          FROM cb LEFT JOIN LATERAL (SELECT ST_Union(ST_Transform(ca.geom, {gk})) AS g FROM ca
                                     WHERE ST_Intersects(ca.geom, cb.geom)) u ON true) x
        WHERE NOT ST_IsEmpty(geom) AND ST_Area(geography(geom)) >= 1
        UNION ALL
        SELECT dlbm, 'none', geom FROM (
          SELECT ca.dlbm, ST_Transform(ST_CollectionExtract(CASE WHEN u.g IS NULL THEN ST_Transform(ca.geom, {gk})
                   ELSE ST_Difference(ST_Transform(ca.geom, {gk}), u.g) END, 3), 4490) AS geom
          FROM ca LEFT JOIN LATERAL (SELECT ST_Union(ST_Transform(cb.geom, {gk})) AS g FROM cb
                                     WHERE ST_Intersects(cb.geom, ca.geom)) u ON true) x
        WHERE NOT ST_IsEmpty(geom) AND ST_Area(geography(geom)) >= 1;
      ALTER TABLE spot ADD COLUMN id serial, ADD COLUMN area double precision, ADD COLUMN gk geometry;
      UPDATE spot SET area = ST_Area(geography(geom)), gk = ST_Transform(geom, {gk});
      CREATE INDEX ON spot USING gist(geom); ANALYZE spot;
      CREATE TEMP TABLE hit(rule text, area double precision);
      -- 耕地流失
      INSERT INTO hit SELECT 'cultivated_loss', s.area FROM spot s
        JOIN mb_class f ON f.code = s.before JOIN mb_class t ON t.code = s.after
        WHERE f.cultivated AND NOT t.cultivated AND s.area >= 1;
      -- inside the farmland
      CREATE TEMP TABLE in_pbf AS
        SELECT s.id, ST_Area(geography(ST_Transform(ST_CollectionExtract(ST_Intersection(s.gk, ST_Union(z.geom_gk)), 3), 4490))) AS area
        FROM spot s JOIN mb_zone z ON z.kind = 'permanent_basic_farmland' AND ST_Intersects(s.geom, z.geom)
        JOIN mb_class f ON f.code = s.before WHERE f.cultivated GROUP BY s.id, s.gk;
      INSERT INTO hit SELECT 'pbf_non_agricultural', p.area FROM in_pbf p JOIN spot s USING (id)
        JOIN mb_class t ON t.code = s.after WHERE t.grp = 'construction' AND p.area >= 1;
      INSERT INTO hit SELECT 'pbf_non_grain', p.area FROM in_pbf p JOIN spot s USING (id)
        JOIN mb_class t ON t.code = s.after
        WHERE (t.level1 IN ('02', '03', '04') OR t.code LIKE '1104%' OR t.kind = 'adjustable') AND NOT t.cultivated
          AND p.area >= 1;
      -- new construction outside the boundary and the village construction zones
      INSERT INTO hit SELECT 'construction_outside_boundary', area FROM (
        SELECT CASE WHEN z.u IS NULL THEN s.area
                    ELSE ST_Area(geography(ST_Transform(ST_CollectionExtract(ST_Difference(s.gk, z.u), 3), 4490))) END AS area
        FROM spot s JOIN mb_class f ON f.code = s.before JOIN mb_class t ON t.code = s.after
        LEFT JOIN LATERAL (SELECT ST_Union(z.geom_gk) AS u FROM mb_zone z
                           WHERE z.kind IN ('urban_development_boundary', 'village_construction')
                             AND ST_Intersects(s.geom, z.geom)) z ON true
        WHERE t.grp = 'construction' AND f.grp <> 'construction') x WHERE area >= 1;
      -- deviation from the plans of approved projects
      INSERT INTO hit SELECT 'plan_deviation', area FROM (
        SELECT ST_Area(geography(ST_Transform(ST_CollectionExtract(
                 CASE WHEN c.u IS NULL THEN i.g ELSE ST_Difference(i.g, c.u) END, 3), 4490))) AS area
        FROM spot s JOIN mb_project p ON p.state IN ({states(deviation_states)}) AND ST_Intersects(s.geom, p.geom)
        CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(s.gk, ST_Transform(p.geom, {gk})), 3) AS g) i
        LEFT JOIN LATERAL (SELECT ST_Union(ST_Transform(c.geom, {gk})) AS u FROM mb_change c
                           JOIN mb_class ct ON ct.code = c.to_code JOIN mb_class sa ON sa.code = s.after
                           WHERE c.code = p.code AND ct.count_as = sa.count_as) c ON true
        WHERE ST_Area(geography(ST_Transform(i.g, 4490))) >= 1) x WHERE area >= 1;
      -- new cultivated land of completed projects against the survey
      CREATE TEMP TABLE plots AS
        SELECT c.code, ST_Union(ST_Transform(c.geom, {gk})) AS g FROM mb_change c
        JOIN mb_project p ON p.code = c.code AND p.state IN ({states(shortfall_states)})
        JOIN mb_class t ON t.code = c.to_code LEFT JOIN mb_class f ON f.code = c.from_code
        WHERE t.cultivated AND NOT coalesce(f.cultivated, false) GROUP BY c.code;
      CREATE TEMP TABLE surveyed AS
        SELECT pl.code, coalesce((SELECT ST_Area(geography(ST_Transform(ST_CollectionExtract(
                 ST_Union(ST_Intersection(ST_Transform(b.geom, {gk}), pl.g)), 3), 4490)))
               FROM b JOIN mb_class t ON t.code = b.dlbm AND t.cultivated
               WHERE ST_Intersects(b.geom, ST_Transform(pl.g, 4490))), 0) AS surveyed,
               ST_Area(geography(ST_Transform(pl.g, 4490))) AS planned
        FROM plots pl;
      COPY (
        SELECT 'spots', '', count(*)::text FROM spot
        UNION ALL SELECT 'changed_m2', '', sum(area)::text FROM spot
        UNION ALL SELECT 'rule', rule, count(*) || ';' || sum(area) FROM hit GROUP BY rule
        UNION ALL SELECT 'project', s.code, coalesce(p.claimed, s.planned) || ';' || s.surveyed
          FROM surveyed s JOIN mb_project p USING (code)
      ) TO STDOUT WITH (FORMAT csv);"""

    ours_json = os.path.join(work, "monitor.json")
    pg_csv = os.path.join(work, "postgis.csv")
    ours_times, pg_times = [], []
    for run in range(args.runs):
        def ours():
            t0 = time.perf_counter()
            with open(ours_json, "w") as out:
                rc = subprocess.run([args.gongzhi, "monitor", "--db", db_path, "--layer", "land_use", "--from-version", "1",
                                     "--to-version", "2", "--format", "json"], stdout=out, stderr=subprocess.DEVNULL).returncode
            if rc not in (0, 3):
                sys.exit(f"gongzhi monitor failed with exit code {rc}")
            ours_times.append(time.perf_counter() - t0)

        def theirs():
            t0 = time.perf_counter()
            with open(pg_csv, "w") as out:
                psql(args.conninfo, query, stdout=out)
            pg_times.append(time.perf_counter() - t0)
        for step in ([ours, theirs] if run % 2 == 0 else [theirs, ours]):
            step()
        print(f"run {run + 1}: gongzhi {ours_times[-1]:.2f} s, PostGIS {pg_times[-1]:.2f} s", flush=True)

    doc = json.load(open(ours_json))
    ours_rules = {}
    for s in doc["spots"]:
        for h in s["hits"]:
            c, a = ours_rules.get(h["rule"], (0, 0.0))
            ours_rules[h["rule"]] = (c + 1, a + h["area_m2"])
    ours_projects = {p["project"]: (p["claimed_m2"], p["surveyed_m2"]) for p in doc["projects"]}
    pg = {"rule": {}, "project": {}}
    with open(pg_csv) as f:
        for kind, key, value in csv.reader(f):
            if kind in ("spots", "changed_m2"):
                pg[kind] = float(value or 0)
            elif kind == "rule":
                c, a = value.split(";")
                pg["rule"][key] = (int(c), float(a))
            else:
                c, s = value.split(";")
                pg["project"][key] = (float(c), float(s))

    def rel(x, y):
        return abs(x - y) / max(abs(x), abs(y), 1e-9)
    print(f"\nlayer: {n1} spots (v1) → {n2} spots (v2); GK zone EPSG:{gk}")
    print(f"change spots: gongzhi {len(doc['spots'])}, PostGIS {int(pg['spots'])}; changed area gongzhi "
          f"{doc['summary']['changed_m2']:.2f} m², PostGIS {pg['changed_m2']:.2f} m² "
          f"(relative difference {rel(doc['summary']['changed_m2'], pg['changed_m2']):.1e})")
    worst = rel(doc["summary"]["changed_m2"], pg["changed_m2"])
    for rule in sorted(set(ours_rules) | set(pg["rule"])):
        oc, oa = ours_rules.get(rule, (0, 0.0))
        tc, ta = pg["rule"].get(rule, (0, 0.0))
        worst = max(worst, rel(oa, ta))
        print(f"  {rule:32s} gongzhi {oc:6d} spots {oa:14.2f} m²   PostGIS {tc:6d} spots {ta:14.2f} m²   rel {rel(oa, ta):.1e}")
    for code in sorted(set(ours_projects) | set(pg["project"])):
        print(f"  新增耕地核定 {code}: gongzhi claimed/surveyed {ours_projects.get(code)}, PostGIS {pg['project'].get(code)}")
    mo, mp = statistics.median(ours_times), statistics.median(pg_times)
    print(f"\nmedian of {args.runs}: gongzhi monitor {mo:.2f} s, PostGIS {mp:.2f} s, ratio PostGIS/gongzhi {mp / mo:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"polygons": n1, "gongzhi_s": ours_times, "postgis_s": pg_times, "median_gongzhi_s": mo,
                       "median_postgis_s": mp, "ratio": mp / mo, "largest_relative_area_difference": worst}, f, indent=1)


if __name__ == "__main__":
    main()
