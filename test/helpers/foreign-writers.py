"""Re-save a qml-data store the way other tools do, for the foreign-store tests.

usage: python foreign-writers.py SRC MODE=DST [MODE=DST ...]
Every mode reads SRC with pyarrow and writes DST with an independent writer (pandas, pyarrow, polars),
never with qml-data code.
"""
import sys

import pyarrow as pa
import pyarrow.parquet as pq

src = sys.argv[1]
# What a user's own tools keep: the columns, not qml-data's footer metadata.
source = pq.read_table(src).replace_schema_metadata(None)


def with_time(t, arr):
    return t.set_column(t.schema.get_field_index("time"), "time", arr)


def write(mode, dst):
    table = source
    if mode == "pandas-ms":
        table.to_pandas().to_parquet(dst, coerce_timestamps="ms", allow_truncated_timestamps=False)
    elif mode == "pandas-us":
        table.to_pandas().to_parquet(dst, coerce_timestamps="us")
    elif mode == "pandas-default":
        table.to_pandas().to_parquet(dst)
    elif mode == "pandas-trim-head":
        df = table.to_pandas()
        df[df.index >= 100].to_parquet(dst)  # a filtered index is saved as __index_level_0__
    elif mode == "pandas-extra-column":
        df = table.to_pandas()
        df["signal"] = 1.0
        df.to_parquet(dst)
    elif mode == "polars-default":
        import polars as pl
        pl.from_arrow(table).write_parquet(dst)  # zstd
    elif mode == "polars-lz4-small-groups":
        import polars as pl
        pl.from_arrow(table).write_parquet(dst, compression="lz4", row_group_size=500)
    elif mode == "pyarrow-int96":
        pq.write_table(table, dst, use_deprecated_int96_timestamps=True)  # Spark's default
    elif mode in ("pyarrow-gzip", "pyarrow-brotli", "pyarrow-none", "pyarrow-zstd", "pyarrow-lz4"):
        pq.write_table(table, dst, compression=mode.split("-")[1] if mode != "pyarrow-none" else "none")
    elif mode == "pyarrow-naive-ns":
        pq.write_table(with_time(table, table["time"].cast(pa.timestamp("ns"))), dst)
    elif mode == "pyarrow-dictionary-v1":
        pq.write_table(table, dst, use_dictionary=True, data_page_version="1.0", version="1.0")
    elif mode == "pyarrow-epoch-ms":
        pq.write_table(with_time(table, pa.array(table["time"].cast(pa.int64()).to_numpy() // 1_000_000)), dst)
    elif mode == "pyarrow-epoch-s":
        pq.write_table(with_time(table, pa.array(table["time"].cast(pa.int64()).to_numpy() // 1_000_000_000)), dst)
    else:
        raise SystemExit(f"unknown mode {mode}")


for pair in sys.argv[2:]:
    mode, dst = pair.split("=", 1)
    write(mode, dst)
