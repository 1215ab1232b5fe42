"""Read a store with pandas and polars and print what a notebook user sees, as JSON (candle stores:
the values too; other datasets and liquidation days: the types and the size).

usage: python read-with-python.py PATH
"""
import json
import sys

import pandas as pd
import polars as pl

path = sys.argv[1]
df = pd.read_parquet(path)
pf = pl.read_parquet(path)
common = {
    "pandas_dtypes": {k: str(v) for k, v in df.dtypes.items()},
    "polars_schema": {k: str(v) for k, v in pf.schema.items()},
    "rows": len(df),
    "first_time_ms": int(df["time"].astype("int64").iloc[0]) // 1_000_000 if len(df) else None,
}
if "Close" not in df.columns:  # any other dataset: the types and the size
    print(json.dumps(common))
    sys.exit(0)
print(json.dumps({
    **common,
    # exact: ns as Python ints, reported as whole ms plus whether any ns were left over
    "time_ms": [int(t) // 1_000_000 for t in df["time"].astype("int64")],
    "sub_ms_ns": sum(int(t) % 1_000_000 for t in df["time"].astype("int64")),
    "close": [float(x) for x in df["Close"]],
    "atr_nulls": int(df["ATR"].isna().sum()),
    "polars_time_ms": [int(t) // 1_000_000 for t in pf["time"].cast(pl.Int64)],
}))
