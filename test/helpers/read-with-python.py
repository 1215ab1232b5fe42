"""Read a store with pandas and polars and print what a notebook user sees, as JSON.

usage: python read-with-python.py PATH
"""
import json
import sys

import pandas as pd
import polars as pl

path = sys.argv[1]
df = pd.read_parquet(path)
pf = pl.read_parquet(path)
print(json.dumps({
    "pandas_dtypes": {k: str(v) for k, v in df.dtypes.items()},
    "polars_schema": {k: str(v) for k, v in pf.schema.items()},
    "rows": len(df),
    # exact: ns as Python ints, reported as whole ms plus whether any ns were left over
    "time_ms": [int(t) // 1_000_000 for t in df["time"].astype("int64")],
    "sub_ms_ns": sum(int(t) % 1_000_000 for t in df["time"].astype("int64")),
    "close": [float(x) for x in df["Close"]],
    "atr_nulls": int(df["ATR"].isna().sum()),
    "polars_time_ms": [int(t) // 1_000_000 for t in pf["time"].cast(pl.Int64)],
}))
