#!/usr/bin/env python3
"""Benchmark: `gongzhi check` of a land-use layer against the control layers, versus the
equivalent PostGIS query on the same data in the same run.

Loads the land-use layer and every control layer (ecological red line, permanent basic farmland,
urban development boundary, village plan: the layers `gongzhi check` measures against) from a
Gongzhi SQLite file into PostGIS, then times, each --runs times:
  * gongzhi check --db F --layer LAYER --format json
  * PostGIS: ST_Intersects join + ST_Intersection in the Gauss-Krueger 3-degree zone + ellipsoidal
    ST_Area(geography) on CGCS2000, summed per (feature, control layer)
and prints the median times, their ratio and the largest relative difference of the areas.

With --baseline BIN a second gongzhi binary (e.g. the build before a change) is timed in the
same runs, alternating with the first and with PostGIS, so that both are measured in the same
minutes on a shared machine; its median, its ratio to PostGIS and the largest relative difference
between its areas and ours are printed too.

Usage: bench/postgis_check.py [--db F | --polygons N] [--conninfo C] [--runs 3] [--baseline BIN]
The conninfo defaults to $GONGZHI_PG_CONNINFO (scripts/test.sh starts a server and sets it).
"""
import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

# The three control lines (三线), as the benchmark asks; --with-village-plan adds the
# village plan, which `gongzhi check` also measures by default.
CONTROL_KINDS = ("ecological_redline", "permanent_basic_farmland", "urban_development_boundary")


def psql(conninfo, sql, stdin=None, stdout=None):
    cmd = ["psql", conninfo, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-c", "SET client_min_messages = warning", "-c", sql]
    subprocess.run(cmd, check=True, stdin=stdin, stdout=stdout or subprocess.DEVNULL)


def latest_versions(db):
    cur = db.execute(
        "SELECT l.name, l.kind, v.id FROM layer l JOIN layer_version v ON v.layer_id = l.id "
        "WHERE v.version = (SELECT max(version) FROM layer_version WHERE layer_id = l.id)")
    return {name: (kind, vid) for name, kind, vid in cur}


def copy_layer(db, conninfo, table, layer_name, version_id, extra=""):
    """Streams one layer's features as hex WKB into a PostGIS table via COPY."""
    proc = subprocess.Popen(["psql", conninfo, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-c",
                             f"COPY {table}(layer, fid, wkb) FROM STDIN"],
                            stdin=subprocess.PIPE, text=True)
    cur = db.execute("SELECT source_id, hex(geom) FROM feature WHERE version_id = ?", (version_id,))
    n = 0
    for fid, wkb in cur:
        proc.stdin.write(f"{layer_name}\t{fid}\t{wkb}\n")
        n += 1
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit(f"loading {layer_name} into PostGIS failed")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="Gongzhi SQLite file (made with gongzhi demo when missing)")
    ap.add_argument("--polygons", type=int, default=1000000, help="demo size when --db is missing")
    ap.add_argument("--layer", default="land_use")
    ap.add_argument("--conninfo", default=os.environ.get("GONGZHI_PG_CONNINFO"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--gongzhi", default=os.path.join(os.path.dirname(__file__), "..", "build", "gongzhi"))
    ap.add_argument("--baseline", help="a second gongzhi binary timed alternately in the same runs")
    ap.add_argument("--skip-load", action="store_true",
                    help="reuse the PostGIS tables a previous run loaded from the same --db")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--with-village-plan", action="store_true",
                    help="also check against village-plan layers")
    ap.add_argument("--max-diff", type=float,
                    help="exit 1 when the largest relative area difference exceeds this (tests)")
    ap.add_argument("--max-abs-diff", type=float, default=1e-3,
                    help="with --max-diff: exit 1 when an overlap smaller than --min-area differs "
                         "by more than this many m2 (default 0.001)")
    ap.add_argument("--min-area", type=float, default=100.0,
                    help="relative differences are taken over overlaps of at least this many m2")
    ap.add_argument("--reference-segmentize-deg", type=float,
                    help="densify both layers in PostGIS to this many degrees in lon/lat "
                         "(ST_Segmentize) before the overlay: the reference for lon/lat sources "
                         "with long edges (docs/areas.md \"Edges\")")
    ap.add_argument("--reference-segmentize-gk", type=float,
                    help="densify both layers to this many metres in the GK zone instead: the "
                         "reference for GK sources")
    args = ap.parse_args()
    if not args.conninfo:
        sys.exit("no PostgreSQL: pass --conninfo or set GONGZHI_PG_CONNINFO (scripts/pg.sh start DIR PORT)")

    work_dir = tempfile.TemporaryDirectory(prefix="gongzhi-bench-")
    work = work_dir.name
    db_path = args.db or os.path.join(work, f"demo{args.polygons}.sqlite")
    if not os.path.exists(db_path):
        print(f"making the demo county with {args.polygons} land-use polygons ...", flush=True)
        subprocess.run([args.gongzhi, "demo", "--out", db_path, "--polygons", str(args.polygons)], check=True)

    db = sqlite3.connect(db_path)
    layers = latest_versions(db)
    if args.layer not in layers:
        sys.exit(f"layer {args.layer} not in {db_path}")
    kinds = CONTROL_KINDS + (("village_plan",) if args.with_village_plan else ())
    controls = {name: kv for name, kv in layers.items() if kv[0] in kinds and name != args.layer}
    # Only kinds the file holds (--against refuses a kind it cannot find).
    against = sorted({kind for kind, _ in controls.values()})
    lon = db.execute("SELECT (min(r.minx) + max(r.maxx)) / 2 FROM feature_rtree r JOIN feature f ON f.id = r.id "
                     "WHERE f.version_id = ?", (layers[args.layer][1],)).fetchone()[0]
    gk = 4534 + round(lon / 3) - 25

    if args.skip_load:
        n_target = int(subprocess.run(["psql", args.conninfo, "-X", "-A", "-t", "-c", "SELECT count(*) FROM bench_target"],
                                      check=True, capture_output=True, text=True).stdout)
        n_control = int(subprocess.run(["psql", args.conninfo, "-X", "-A", "-t", "-c", "SELECT count(*) FROM bench_control"],
                                       check=True, capture_output=True, text=True).stdout)
    else:
        print(f"loading {args.layer} and {len(controls)} control layers into PostGIS ...", flush=True)
        psql(args.conninfo, """
          DROP TABLE IF EXISTS bench_target, bench_control;
          CREATE UNLOGGED TABLE bench_target(layer text, fid text, wkb text, geom geometry(Geometry, 4490));
          CREATE UNLOGGED TABLE bench_control(layer text, fid text, wkb text, geom geometry(Geometry, 4490),
                                              geom_gk geometry);""")
        n_target = copy_layer(db, args.conninfo, "bench_target", args.layer, layers[args.layer][1])
        n_control = 0
        for name, (kind, vid) in controls.items():
            n_control += copy_layer(db, args.conninfo, "bench_control", name, vid)
        geom = "ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4490)"
        if args.reference_segmentize_deg:
            geom = f"ST_Segmentize({geom}, {args.reference_segmentize_deg})"
        elif args.reference_segmentize_gk:
            geom = f"ST_Transform(ST_Segmentize(ST_Transform({geom}, {gk}), {args.reference_segmentize_gk}), 4490)"
        psql(args.conninfo, f"""
          UPDATE bench_target SET geom = {geom}, wkb = NULL;
          UPDATE bench_control SET geom = {geom}, wkb = NULL;
          -- As gongzhi does: a zone that projecting made invalid is repaired once.
          UPDATE bench_control SET geom_gk = ST_Transform(geom, {gk});
          UPDATE bench_control SET geom_gk = ST_CollectionExtract(ST_MakeValid(geom_gk), 3)
            WHERE NOT ST_IsValid(geom_gk);
          CREATE INDEX ON bench_target USING gist(geom);
          CREATE INDEX ON bench_control USING gist(geom);
          ANALYZE bench_target; ANALYZE bench_control;""")

    query = f"""
      SET max_parallel_workers_per_gather = 2;
      SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
      COPY (
        SELECT t.fid, c.layer,
               sum(ST_Area(geography(ST_Transform(
                   ST_CollectionExtract(ST_Intersection(ST_Transform(t.geom, {gk}), c.geom_gk), 3),
                   4490)))) AS area
        FROM bench_target t JOIN bench_control c ON ST_Intersects(t.geom, c.geom)
        GROUP BY t.fid, c.layer) TO STDOUT WITH (FORMAT csv)"""

    ours_json = os.path.join(work, "check.json")
    base_json = os.path.join(work, "check-baseline.json")
    pg_csv = os.path.join(work, "postgis.csv")
    ours_times, pg_times, base_times = [], [], []

    cpu_times = {"ours": [], "baseline": []}

    rss_mb = {"ours": [], "baseline": []}
    pg_cpu_times = []
    # PostGIS's CPU time: the server's backends and parallel workers are children of the
    # postmaster, which adds their times to its own children's times when it reaps them. Only
    # when the server runs on this machine (its data directory readable); else not reported.
    postmaster = None
    try:
        data_dir = subprocess.run(["psql", args.conninfo, "-X", "-A", "-t", "-c", "SHOW data_directory"],
                                  check=True, capture_output=True, text=True).stdout.strip()
        with open(os.path.join(data_dir, "postmaster.pid")) as f:
            postmaster = int(f.readline())
    except (OSError, ValueError, subprocess.CalledProcessError):
        postmaster = None

    def server_children_cpu():
        with open(f"/proc/{postmaster}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # After the ")": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

    def run_check(binary, out_json, name):
        # CPU time (user + system) and peak RSS of this child alone (wait4), as well as wall
        # time: on a shared machine the CPU time of the check is the steadier before/after
        # figure; PostGIS's work is in its server processes, so the ratio to PostGIS is taken on
        # wall time.
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary, "check", "--db", db_path, "--layer", args.layer, "--format", "json",
                                 "--against", ",".join(against), "--output", out_json],
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        rc = proc.returncode
        if rc not in (0, 3):
            sys.exit(f"{binary} check failed with exit code {rc}")
        cpu_times[name].append(usage.ru_utime + usage.ru_stime)
        rss_mb[name].append(usage.ru_maxrss / 1024)
        return elapsed

    for run in range(args.runs):
        # Alternate the order so that neither binary always runs right after PostGIS.
        order = [("ours", args.gongzhi, ours_json, ours_times)]
        if args.baseline:
            base = ("baseline", args.baseline, base_json, base_times)
            order = order + [base] if run % 2 == 0 else [base] + order
        for name, binary, out_json, times in order:
            times.append(run_check(binary, out_json, name))
        cpu0 = server_children_cpu() if postmaster else 0
        t0 = time.perf_counter()
        with open(pg_csv, "w") as out:
            psql(args.conninfo, query, stdout=out)
        pg_times.append(time.perf_counter() - t0)
        if postmaster:
            time.sleep(0.5)  # the backend exits with psql and is reaped by the postmaster
            pg_cpu_times.append(server_children_cpu() - cpu0)
        pg_cpu = f" (CPU {pg_cpu_times[-1]:.2f} s)" if pg_cpu_times else ""
        line = (f"run {run + 1}: gongzhi {ours_times[-1]:.2f} s (CPU {cpu_times['ours'][-1]:.2f} s, "
                f"peak RSS {rss_mb['ours'][-1]:.0f} MB), "
                f"PostGIS {pg_times[-1]:.2f} s{pg_cpu}")
        if args.baseline:
            line += (f", baseline {base_times[-1]:.2f} s (CPU {cpu_times['baseline'][-1]:.2f} s, "
                     f"peak RSS {rss_mb['baseline'][-1]:.0f} MB)")
        print(line, flush=True)

    def read_check(path):
        areas = {}
        with open(path) as f:
            doc = json.load(f)
        for feat in doc["features"]:
            for o in feat["overlaps"]:
                areas[(feat["feature_id"], o["layer"])] = o["area_m2"]
        return areas, {feat["feature_id"]: feat["area_m2"] for feat in doc["features"] if "area_m2" in feat}

    ours, ours_feature_area = read_check(ours_json)
    theirs = {}
    with open(pg_csv) as f:
        for line in f:
            fid, layer, area = line.rstrip("\n").split(",")
            if area and float(area) > 0:
                theirs[(fid, layer)] = float(area)
    # Pairs that only touch (zero area) appear on one side only. Relative differences are taken
    # over pairs of at least 100 m² (below the survey's smallest mapped spot, 200 m²); smaller
    # overlaps are slivers where two nearly parallel edges cross and the last bits of the
    # coordinates decide the area, so they are held to an absolute bound of 0.001 m² instead.
    keys = {k for k, v in ours.items() if v > 1e-6} | {k for k, v in theirs.items() if v > 1e-6}
    worst, worst_key, worst_abs, worst_abs_key, small = 0.0, None, 0.0, None, 0
    worst_small_abs, worst_small_key = 0.0, None
    for k in keys:
        a, b = ours.get(k, 0.0), theirs.get(k, 0.0)
        diff = abs(a - b)
        if diff > worst_abs:
            worst_abs, worst_abs_key = diff, k
        if max(a, b) >= args.min_area:
            rel = diff / max(a, b)
            if rel > worst:
                worst, worst_key = rel, k
        else:
            small += 1
            if diff > worst_small_abs:
                worst_small_abs, worst_small_key = diff, k
    med_ours, med_pg = statistics.median(ours_times), statistics.median(pg_times)
    figures = {
        "target_features": n_target, "control_features": n_control, "overlap_pairs": len(keys),
        "gk_epsg": gk, "runs": args.runs,
        "gongzhi_median_s": round(med_ours, 3), "postgis_median_s": round(med_pg, 3),
        "speedup": round(med_pg / med_ours, 2),
        "gongzhi_median_cpu_s": round(statistics.median(cpu_times["ours"]), 3),
        "gongzhi_median_peak_rss_mb": round(statistics.median(rss_mb["ours"]), 1),
        "postgis_median_cpu_s": round(statistics.median(pg_cpu_times), 3) if pg_cpu_times else None,
        "cpu_ratio_postgis_over_gongzhi": round(statistics.median(pg_cpu_times) / statistics.median(cpu_times["ours"]), 2)
        if pg_cpu_times else None,
        "max_relative_area_difference": worst, "worst_pair": list(worst_key) if worst_key else None,
        "min_area_m2": args.min_area, "pairs_below_min_area": small, "max_absolute_area_difference_m2": worst_abs,
        "worst_absolute_pair": list(worst_abs_key) if worst_abs_key else None,
        "total_area_gongzhi_m2": sum(ours.values()), "total_area_postgis_m2": sum(theirs.values()),
    }
    if args.baseline:
        base, base_feature_area = read_check(base_json)
        med_base = statistics.median(base_times)
        figures["baseline_median_s"] = round(med_base, 3)
        figures["baseline_speedup"] = round(med_pg / med_base, 2)
        figures["speedup_over_baseline"] = round(med_base / med_ours, 3)
        figures["baseline_median_cpu_s"] = round(statistics.median(cpu_times["baseline"]), 3)
        figures["baseline_median_peak_rss_mb"] = round(statistics.median(rss_mb["baseline"]), 1)
        figures["cpu_ratio_baseline_over_ours"] = round(
            statistics.median(cpu_times["baseline"]) / statistics.median(cpu_times["ours"]), 3)
        figures["runs_wall_s"] = {"ours": ours_times, "baseline": base_times, "postgis": pg_times}
        figures["runs_cpu_s"] = cpu_times

        def largest_rel(a, b):
            worst, key = 0.0, None
            for k in set(a) | set(b):
                x, y = a.get(k, 0.0), b.get(k, 0.0)
                if max(abs(x), abs(y)) > 0:
                    rel = abs(x - y) / max(abs(x), abs(y))
                    if rel > worst:
                        worst, key = rel, k
            return worst, key
        # Over every overlap and every measured feature area, however small.
        figures["max_relative_difference_to_baseline_overlaps"], k1 = largest_rel(ours, base)
        figures["max_relative_difference_to_baseline_features"], k2 = largest_rel(
            ours_feature_area, base_feature_area)
        figures["worst_baseline_pair"] = list(k1) if k1 else None
        figures["worst_baseline_feature"] = k2
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    if args.max_diff is not None:
        if not keys:
            sys.exit("no overlaps at all: nothing was compared")
        if worst > args.max_diff:
            sys.exit(f"areas differ: {worst:.3g} relative at {worst_key} > {args.max_diff}")
        if worst_small_abs > args.max_abs_diff:
            sys.exit(f"areas differ: {worst_small_abs:.3g} m2 at {worst_small_key} > {args.max_abs_diff} m2")
        print(f"areas agree with PostGIS on {len(keys)} (feature, layer) pairs within {args.max_diff}")


if __name__ == "__main__":
    main()
