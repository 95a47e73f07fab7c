#!/usr/bin/env python3
"""`gongzhi check` on polygons with long edges, against PostGIS on the same data densified
(issue 17 part 1, docs/areas.md "Edges").

Makes two layers with long edges, imports them with `gongzhi import` and runs
bench/postgis_check.py with the reference densified:
  * --crs lonlat: 100 "counties" (a jittered 10 x 10 grid, 0.9 x 0.4 degrees a cell, spanning
    9 degrees of longitude, 108-117 E, 30-34 N) and 30 red-line polygons with holes, both in
    EPSG:4490, every edge 0.3-1 degree long. The truth is PostGIS on the same data densified
    to 0.0005 degrees (about 50 m) in longitude/latitude (ST_Segmentize), where the edge model no
    longer matters.
  * --crs gk: the same shapes drawn in the Gauss-Krueger zone EPSG:4547 (central meridian
    114 E, +-150 km), edges 20-90 km long. The truth is PostGIS densified to 50 m in that zone.

Relative differences are taken per (feature, layer) overlap of at least --min-area m2.

Usage: bench/long_edges_check.py --gongzhi BIN [--crs lonlat|gk] [--max-diff 1e-5]
       [--conninfo C] [--runs 1] [--json F]
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

GK_EPSG = 4547  # CGCS2000 3-degree GK zone, central meridian 114 E, no zone prefix


def ring_text(points):
    pts = list(points) + [points[0]]
    return "[" + ",".join(f"[{x:.9f},{y:.9f}]" for x, y in pts) + "]"


def feature_collection(features, epsg):
    out = ['{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":'
           f'"urn:ogc:def:crs:EPSG::{epsg}"}}}},"features":[']
    for i, (props, rings) in enumerate(features):
        geom = '{"type":"Polygon","coordinates":[' + ",".join(ring_text(r) for r in rings) + "]}"
        out.append(("," if i else "") + '{"type":"Feature","properties":' + json.dumps(props) +
                   ',"geometry":' + geom + "}")
    out.append("]}")
    return "\n".join(out) + "\n"


def make_layers(rng, x0, y0, cell_x, cell_y):
    """A jittered 10 x 10 grid of quadrilaterals (a corner shared by its four cells, so they tile)
    and 30 star-shaped red-line polygons with a hole each, one per cell of a 10 x 3 grid (so they
    never overlap each other). Units are those of x0/cell_x (degrees or metres)."""
    corners = {}
    for i in range(11):
        for j in range(11):
            jx = 0 if i in (0, 10) else rng.uniform(-0.2, 0.2) * cell_x
            jy = 0 if j in (0, 10) else rng.uniform(-0.2, 0.2) * cell_y
            corners[i, j] = (x0 + i * cell_x + jx, y0 + j * cell_y + jy)
    counties = []
    for j in range(10):
        for i in range(10):
            ring = [corners[i, j], corners[i + 1, j], corners[i + 1, j + 1], corners[i, j + 1]]
            counties.append(({"BSM": f"c{j * 10 + i + 1:03d}", "DLBM": "0101"}, [ring]))
    redlines = []
    red_h = cell_y * 10 / 3
    for j in range(3):
        for i in range(10):
            cx, cy = x0 + (i + 0.5) * cell_x, y0 + (j + 0.5) * red_h
            rx, ry = 0.45 * cell_x, 0.45 * red_h
            n = rng.randint(5, 8)
            outer, hole = [], []
            for k in range(n):
                a = 2 * 3.141592653589793 * (k + rng.uniform(-0.2, 0.2)) / n
                r = rng.uniform(0.75, 1.0)
                outer.append((cx + rx * r * math.cos(a), cy + ry * r * math.sin(a)))
                if k % 2 == 0:
                    h = rng.uniform(0.25, 0.45)
                    hole.append((cx + 0.1 * rx + rx * h * math.cos(a), cy + ry * h * math.sin(a)))
            hole.reverse()
            redlines.append(({"BSM": f"r{j * 10 + i + 1:02d}"}, [outer, hole]))
    return counties, redlines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gongzhi", default=os.path.join(os.path.dirname(__file__), "..", "build", "gongzhi"))
    ap.add_argument("--baseline", help="a second gongzhi binary (e.g. before the change), same runs")
    ap.add_argument("--crs", choices=("lonlat", "gk"), default="lonlat")
    ap.add_argument("--conninfo", default=os.environ.get("GONGZHI_PG_CONNINFO"))
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--max-diff", type=float, help="exit 1 above this relative difference (tests)")
    ap.add_argument("--min-area", type=float, default=1e6,
                    help="relative differences over overlaps of at least this many m2")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--keep", help="keep the SQLite file here")
    args = ap.parse_args()
    if not args.conninfo:
        sys.exit("no PostgreSQL: pass --conninfo or set GONGZHI_PG_CONNINFO (scripts/pg.sh start DIR PORT)")

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="gongzhi-edges-") as work:
        if args.crs == "lonlat":
            counties, redlines = make_layers(rng, 108.0, 30.0, 0.9, 0.4)
            epsg = 4490
            reference = ["--reference-segmentize-deg", "0.0005"]
        else:
            counties, redlines = make_layers(rng, 364000.0, 3320000.0, 27000.0, 44000.0)
            epsg = GK_EPSG
            reference = ["--reference-segmentize-gk", "50"]
        db = args.keep or os.path.join(work, "edges.sqlite")
        if os.path.exists(db):
            os.remove(db)
        for name, kind, feats in (("land_use", "land_use", counties),
                                  ("redline", "ecological_redline", redlines)):
            path = os.path.join(work, name + ".geojson")
            with open(path, "w") as f:
                f.write(feature_collection(feats, epsg))
            subprocess.run([args.gongzhi, "import", "--db", db, "--layer", name, "--kind", kind, path],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "postgis_check.py"),
               "--db", db, "--gongzhi", args.gongzhi, "--conninfo", args.conninfo, "--runs", str(args.runs),
               "--min-area", str(args.min_area), "--max-abs-diff", "inf", *reference]
        if args.baseline:
            cmd += ["--baseline", args.baseline]
        if args.max_diff is not None:
            cmd += ["--max-diff", str(args.max_diff)]
        if args.json:
            cmd += ["--json", args.json]
        sys.exit(subprocess.run(cmd).returncode)


if __name__ == "__main__":
    main()
