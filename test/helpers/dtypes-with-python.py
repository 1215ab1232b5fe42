"""Read any store with pandas and polars and print the types a notebook user sees, as JSON.

usage: python dtypes-with-python.py PATH
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
    "first_time_ms": int(df["time"].astype("int64").iloc[0]) // 1_000_000 if len(df) else None,
}))
