#!/usr/bin/env python3
"""Packs GIS files into one input of fuzz/gis_import_fuzz.cpp (the layout is described there):
a header byte, then per file [tag][length: 4 bytes little-endian][bytes].

  fuzz/pack_gis_seed.py OUTPUT HEADER FILE...   e.g. ... out 0 a.shp a.shx a.dbf a.prj
HEADER: layer kind index (0 land_use … 8 region) + 16 for --repair + 32 for --encoding GBK.
"""
import os
import struct
import sys

TAGS = {".shp": 0, ".shx": 1, ".dbf": 2, ".prj": 3, ".cpg": 4, ".gpkg": 5, ".geojson": 6, ".json": 6}

out, header, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
data = bytes([header])
for f in files:
    body = open(f, "rb").read()
    data += bytes([TAGS[os.path.splitext(f)[1].lower()]]) + struct.pack("<I", len(body)) + body
open(out, "wb").write(data)
